import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Clock } from '../clock/clock.service.js';
import { browserBindingOf } from '../credentials/passkeys/browser-binding.js';
import type { RequestOptionsDto } from '../credentials/passkeys/dto/webauthn-json.dto.js';
import { PasskeysService } from '../credentials/passkeys/passkeys.service.js';
import { PasswordLoginService } from '../identity/password-login.service.js';
import { FORM_SECRET_COOKIE } from '../portal/form-tokens.service.js';
import type { PasskeySignInDto } from './dto/passkey-sign-in.dto.js';

/** The name passkey sign-ins through this door are audited and their tokens issued under. */
const WEBAUTHN_API = 'webauthn';

/**
 * The passkey sign-in door: options, and an assertion exchanged for an access JWT through the one
 * login check. A request that carries the portal's form cookie (its page asked) binds the
 * challenge to that browser, for the portal's own sign-in form or this route to answer.
 */
@Injectable()
export class WebauthnService {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly logins: PasswordLoginService,
    private readonly clock: Clock,
  ) {}

  async options(request: FastifyRequest): Promise<RequestOptionsDto> {
    const { options, challengeId } = await this.passkeys.authenticationOptions(
      { browser: browserOf(request) },
      this.clock.now(),
    );
    return { ...options, challengeId } as RequestOptionsDto;
  }

  async signIn(dto: PasskeySignInDto, request: FastifyRequest): Promise<string> {
    this.passkeys.assertAvailable();
    const { token } = await this.logins.passkeyLoginForAccessToken(
      dto.challengeId,
      dto.response,
      WEBAUTHN_API,
      request,
      { browser: browserOf(request) },
    );
    return token;
  }
}

/** The browser binding of a request that carries the portal's form cookie, else none. */
function browserOf(request: FastifyRequest): string | null {
  const secret = request.cookies[FORM_SECRET_COOKIE];
  return secret ? browserBindingOf(secret) : null;
}
