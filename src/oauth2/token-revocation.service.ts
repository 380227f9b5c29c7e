import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { UserTokensService } from '../credentials/user-tokens/user-tokens.service.js';
import { sessionFromSidWithSecret } from '../identity/request-credentials.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import { OAuth2Exception } from './oauth2-error.js';
import { looksLikeJwt } from '../credentials/access-tokens/jwt-shape.js';
import { BY_USER } from '../security-events/security-event-facts.js';

const OAUTH2_API = 'oauth2';

/**
 * Revocation (RFC 7009) of the credentials a service holds: an access JWT by its jti, a user token
 * by deleting it. Only a live credential is revoked: a dead or unknown one has nothing left to end.
 */
@Injectable()
export class TokenRevocationService {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly userTokens: UserTokensService,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
  ) {}

  /** `client`: the service client's name, or null when the token revokes itself. */
  async revoke(token: string, client: string | null): Promise<void> {
    if (looksLikeJwt(token)) return this.revokeAccessToken(token, client);
    if (sessionFromSidWithSecret(token)) throw new OAuth2Exception(400, 'unsupported_token_type');
    const live = await this.userTokens.authenticate(token);
    if (!live) return;
    await this.userTokens.remove(live.userToken, OAUTH2_API, client);
    this.metrics.countTokenRevocation('user-token', client);
  }

  private async revokeAccessToken(token: string, client: string | null): Promise<void> {
    // A token naming audiences is checked as its client would check it; revoking itself, as its own.
    const verified = await this.accessTokens.verify(
      token,
      client ?? firstAudience(this.accessTokens.unverifiedClaims(token)),
    );
    if (!verified) return;
    const { jti, exp, sub } = verified.claims;
    // As a user token's revocation: of its user, and by the user when no service client asked.
    await this.accessTokens.revoke(jti, new Date(exp * 1000), {
      userId: Number(sub),
      by: client === null ? BY_USER : {},
    });
    this.metrics.countTokenRevocation('access-jwt', client);
    await this.audit.record({
      type: 'token.revoke',
      outcome: 'success',
      api: OAUTH2_API,
      userId: Number(sub),
      username: verified.user.username,
      detail: { kind: 'access-jwt', jti, client },
    });
  }
}

function firstAudience(claims: Record<string, unknown> | null): string | undefined {
  const aud = claims?.aud;
  const first: unknown = Array.isArray(aud) ? aud[0] : aud;
  return typeof first === 'string' ? first : undefined;
}
