import { Command, CommandRunner } from 'nest-commander';
import { AuditService } from '../audit/audit.service.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';

@Command({
  name: 'keys:rotate',
  description: 'make a new signing key; older keys keep verifying what they signed',
})
export class KeysRotateCommand extends CommandRunner {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly audit: AuditService,
  ) {
    super();
  }

  async run(): Promise<void> {
    const kid = await this.keys.rotate();
    await this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      api: 'cli',
      detail: { action: 'keys.rotate', kid },
    });
    console.log(`New signing key: ${kid}`);
  }
}
