import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AccessTokenResponseDto } from '../auth/dto/credentials.dto.js';
import { JWT_ERROR_SCHEMA } from '../auth/jwt-auth.controller.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { Public } from '../common/decorators/route-access.decorator.js';
import { JWT_API_WORDS } from '../common/dialects/jwt.dialect.js';
import { Access } from '../identity/access.decorator.js';
import { LoginRoute } from '../identity/limited-route.decorator.js';
import { RequestOptionsDto } from '../credentials/passkeys/dto/webauthn-json.dto.js';
import { PasskeySignInDto } from './dto/passkey-sign-in.dto.js';
import { WebauthnService } from './webauthn.service.js';

const unavailable = {
  description: "WEBAUTHN_RP_ID is needed: PUBLIC_URL's host is an IP address",
  content: {
    'application/json': {
      schema: JWT_ERROR_SCHEMA,
      example: {
        code: 503,
        message: 'Service Unavailable...',
        description:
          "Passkeys need WEBAUTHN_RP_ID: PUBLIC_URL's host is an IP address, which WebAuthn does not take as a relying party",
      },
    },
  },
};

/**
 * Signing in with a passkey and nothing else (no username: passkeys are discoverable), for an
 * access JWT as the JWT API issues it. Both routes count against the per-address login limit.
 */
@ApiTags('Passkeys')
@Dialect('jwt')
@Controller('webauthn/authentication')
export class WebauthnController {
  constructor(private readonly webauthn: WebauthnService) {}

  @Post('options')
  @Public()
  @HttpCode(200)
  @LoginRoute()
  @ApiOperation({
    summary: 'Start a passkey sign-in: request options for the browser',
    description:
      'No body. What startAuthentication() (@simplewebauthn/browser) or ' +
      'navigator.credentials.get() takes: a challenge with user verification required and no ' +
      'credential listed, so the answer says nothing about which accounts exist. Send the ' +
      'result with the challengeId to POST /webauthn/authentication within 5 minutes. On the ' +
      "sign-in portal's pages the challenge is bound to the browser (its form cookie).",
  })
  @ApiOkResponse({ type: RequestOptionsDto })
  @ApiServiceUnavailableResponse(unavailable)
  options(@Req() request: FastifyRequest): Promise<RequestOptionsDto> {
    return this.webauthn.options(request);
  }

  @Post()
  @Access({ accepts: ['passkey'], rule: 'anyone' })
  @HttpCode(200)
  @LoginRoute()
  @ApiOperation({
    summary: 'Sign in with a passkey: an access token, as POST /v1/auth answers',
    description:
      'The assertion answering the challenge of POST /webauthn/authentication/options. A ' +
      'passkey with user verification is a whole sign-in: no second-factor code is asked. ' +
      "Judged as a login is: a refusal counts towards the lock of the passkey's user, a locked " +
      'account is refused even with a good passkey, a success resets the count. Audited.',
  })
  @ApiOkResponse({ description: 'Signed in', type: AccessTokenResponseDto })
  @ApiBadRequestResponse({
    description: 'A missing or malformed field',
    content: {
      'application/json': {
        schema: JWT_ERROR_SCHEMA,
        examples: {
          missing: {
            value: {
              code: 400,
              message: JWT_API_WORDS.requiredFields,
              description: 'challengeId, response are required!',
            },
          },
          notJson: {
            value: {
              code: 400,
              message: JWT_API_WORDS.unparsableBody,
              description: JWT_API_WORDS.unparsableBodyDescription,
            },
          },
        },
      },
    },
  })
  @ApiUnauthorizedResponse({
    description:
      "The challenge is used, expired or another browser's; the passkey is unknown or does not " +
      'verify (signature, origin, RP ID, user verification); its counter went back (a clone); ' +
      'or its user is disabled',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: { code: { type: 'integer' }, message: { type: 'string' } },
          required: ['code', 'message'],
          additionalProperties: false,
        },
        example: { code: 401, message: JWT_API_WORDS.passkeyRefused },
      },
    },
  })
  @ApiServiceUnavailableResponse(unavailable)
  async signIn(
    @Body() dto: PasskeySignInDto,
    @Req() request: FastifyRequest,
  ): Promise<AccessTokenResponseDto> {
    return { access_token: await this.webauthn.signIn(dto, request) };
  }
}
