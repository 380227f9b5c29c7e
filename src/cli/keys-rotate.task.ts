import { AuditModule } from '../audit/audit.module.js';
import { Injectable, Module } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { SigningKeysService } from '../credentials/access-tokens/signing-keys.service.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import type { VerbTask } from './verb-context.js';

/** `keys:rotate`: a new signing key, at once with `now`, and the audit event. */
@Injectable()
export class KeysRotateTask {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly audit: AuditService,
  ) {}

  async run(now: boolean): Promise<void> {
    const { kid, activatesAt, withdrawn } = await this.keys.rotate({ now });
    await this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      api: 'cli',
      detail: { action: 'keys.rotate', kid, now },
    });
    console.log(
      `New signing key: ${kid} signs from ${activatesAt.toISOString()}` +
        (withdrawn.length > 0 ? `; withdrawn: ${withdrawn.join(', ')}` : ''),
    );
  }
}

@Module({
  imports: [AuditModule, TokensModule],
  providers: [KeysRotateTask],
})
class KeysRotateModule {}

export const verb: VerbTask<KeysRotateTask> = { module: KeysRotateModule, task: KeysRotateTask };
