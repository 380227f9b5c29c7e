import { Command, CommandRunner, Option } from 'nest-commander';
import { AuditService } from '../audit/audit.service.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';

interface KeysRotateOptions {
  now?: boolean;
}

@Command({
  name: 'keys:rotate',
  description:
    'make a new signing key, published at once, signing after JWT_KEY_ACTIVATION_DELAY; ' +
    'older keys keep verifying what they signed',
})
export class KeysRotateCommand extends CommandRunner {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly audit: AuditService,
  ) {
    super();
  }

  @Option({
    flags: '--now',
    description:
      'an emergency: sign with the new key at once and withdraw every other key, ' +
      'so that no token they signed validates any more',
  })
  parseNow(): boolean {
    return true;
  }

  async run(_: string[], options: KeysRotateOptions): Promise<void> {
    const now = options.now ?? false;
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
