import { ConflictException, Injectable } from '@nestjs/common';
import type { RequestActor } from '../identity/request-actor.decorator.js';
import { actorFields } from '../identity/request-actor.decorator.js';
import { AuditService } from '../audit/audit.service.js';
import { SigningKeysService } from '../credentials/access-tokens/signing-keys.service.js';
import type { RotatedKeyDto } from './dto/admin-credentials.dto.js';

/** The signing key's rotation, as the CLI also does it. */
@Injectable()
export class AdminKeysService {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly audit: AuditService,
  ) {}

  async rotate(actor: RequestActor, now: boolean): Promise<RotatedKeyDto> {
    if (this.keys.isKeySupplied()) {
      throw new ConflictException(
        'JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is set, and that key signs: rotate it there',
      );
    }
    const { kid, activatesAt, withdrawn } = await this.keys.rotate({ now });
    await this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      api: 'admin',
      ...actorFields(actor),
      detail: { action: 'keys.rotate', kid, now },
    });
    return { kid, activatesAt: activatesAt.toISOString(), withdrawn };
  }
}
