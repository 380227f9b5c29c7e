import { Injectable } from '@nestjs/common';
import { UserTokensService } from '../auth/user-tokens.service.js';
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
  ) {}

  async isValid(token: string, service: string): Promise<boolean> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return false;
    if (this.accessTokens.looksLikeAccessToken(token)) {
      return this.accessTokens.isLive(token, service);
    }
    return this.userTokens.isLive(token);
  }
}
