import { Injectable } from '@nestjs/common';
import { UserTokensService } from '../auth/user-tokens.service.js';
import { MetricsService, type TokenKind } from '../metrics/metrics.service.js';
import { looksLikeJwt } from '../identity/request-credentials.js';
import { AccessTokensService } from '../tokens/access-tokens.service.js';

/** Longer than any token Gatehouse issues; anything longer is refused without parsing. */
const MAX_TOKEN_LENGTH = 8_192;

/**
 * The check other services make on every request: is this a live token Gatehouse issued, for
 * this service? Access JWTs and user tokens alike; anything else is simply not valid.
 */
@Injectable()
export class TokenCheckService {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly userTokens: UserTokensService,
    private readonly metrics: MetricsService,
  ) {}

  /** Counted for /metrics by kind and outcome; a check, not an event, so never audited. */
  async isValid(token: string, service: string): Promise<boolean> {
    const kind = this.kindOf(token);
    const valid =
      kind === 'access-jwt'
        ? await this.accessTokens.isLive(token, service)
        : kind === 'user-token' && (await this.userTokens.isLive(token));
    this.metrics.countTokenCheck(kind, valid, service);
    return valid;
  }

  private kindOf(token: string): TokenKind {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return 'other';
    return looksLikeJwt(token) ? 'access-jwt' : 'user-token';
  }
}
