import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config.js';
import { Clock } from '../clock/clock.service.js';
import { SigningKeysService } from '../credentials/access-tokens/signing-keys.service.js';
import type { SecurityEvent } from '../security-events/entities/security-event.entity.js';

/** A SET is a JWT of its own media type (RFC 8417), which no access-token check accepts. */
const SET_TYPE = 'secevent+jwt';

/**
 * Security Event Tokens (RFC 8417) for one receiver, signed with the same keys as access JWTs, so
 * that a receiver checks both against the one JWKS. A delivery tried again carries the same
 * `jti`, so that a receiver that got it before can tell.
 */
@Injectable()
export class SecurityEventTokens {
  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
  ) {}

  /** The SET of `event` for the receiver `audience`, under the delivery's `jti`. */
  async sign(event: SecurityEvent, audience: string, jti: string): Promise<string> {
    const now = this.clock.now();
    const signer = await this.keys.signingKey(now);
    const { sub_id, txn, event: members } = event.detail;
    return this.jwt.sign(
      { iat: Math.floor(now.getTime() / 1000), txn, sub_id, events: { [event.type]: members } },
      {
        algorithm: 'RS256',
        privateKey: signer.privateKey!,
        keyid: signer.kid,
        header: { alg: 'RS256', typ: SET_TYPE, kid: signer.kid },
        issuer: this.config.jwt.issuer,
        audience,
        jwtid: jti,
      },
    );
  }
}
