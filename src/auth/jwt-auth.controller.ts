import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { JWT_API_WORDS } from '../common/dialects/jwt.dialect.js';
import { AccessTokenResponseDto, JwtApiCredentialsDto } from './dto/credentials.dto.js';
import { PasswordLoginService } from '../identity/password-login.service.js';
import { LoginRoute } from '../identity/limited-route.decorator.js';
import { SECOND_FACTOR_REQUIRED_HEADERS } from '../common/errors/second-factor-required.exception.js';
import { Access } from '../identity/access.decorator.js';

/** The JWT API document's error body. */
export const JWT_ERROR_SCHEMA = {
  type: 'object',
  properties: {
    code: { type: 'integer' },
    message: { type: 'string' },
    description: { type: 'string' },
  },
  required: ['code', 'message', 'description'],
  additionalProperties: false,
};
/** OCARIoT's answer to wrong credentials: no description. */
const wrongCredentials = {
  type: 'object',
  properties: { code: { type: 'integer' }, message: { type: 'string' } },
  required: ['code', 'message'],
  additionalProperties: false,
  example: { code: 401, message: JWT_API_WORDS.wrongCredentials },
};
const example = (message: string, description: string) => ({
  summary: description,
  value: { code: 400, message, description },
});

@ApiTags('JWT API')
@Dialect('jwt')
@Controller('v1')
export class JwtAuthController {
  constructor(private readonly passwordLogin: PasswordLoginService) {}

  @Post('auth')
  @Access({ accepts: ['password'], rule: 'anyone' })
  @HttpCode(200)
  @LoginRoute()
  @ApiOperation({
    summary: 'Retrieve an RS256 access token (sub, sub_type, iss, iat, scope, exp, jti)',
  })
  @ApiOkResponse({ description: 'Successful Authentication', type: AccessTokenResponseDto })
  @ApiBadRequestResponse({
    description: 'Validation errors',
    content: {
      'application/json': {
        schema: JWT_ERROR_SCHEMA,
        examples: {
          missing: example(JWT_API_WORDS.requiredFields, 'username, password are required!'),
          missingOne: example(JWT_API_WORDS.requiredFields, 'password are required!'),
          empty: example(JWT_API_WORDS.invalidFields, 'username must have at least one character!'),
          notString: example(JWT_API_WORDS.invalidFields, 'username must be a string!'),
          notJson: example(JWT_API_WORDS.unparsableBody, JWT_API_WORDS.unparsableBodyDescription),
        },
      },
    },
  })
  @ApiUnauthorizedResponse({
    description:
      'Wrong password, no such (enabled) user, or a wrong or used otp; the right password of a user with a second factor on without otp: `A second factor is required!`, with Gatehouse-OTP: required',
    content: {
      'application/json': {
        schema: { oneOf: [wrongCredentials, JWT_ERROR_SCHEMA] },
        examples: {
          wrongCredentials: { value: wrongCredentials.example },
          secondFactorRequired: {
            value: {
              code: 401,
              message: JWT_API_WORDS.secondFactorRequired,
              description: 'Send the TOTP or recovery code of the account in otp.',
            },
          },
        },
      },
    },
    headers: SECOND_FACTOR_REQUIRED_HEADERS,
  })
  async authenticate(
    @Body() dto: JwtApiCredentialsDto,
    @Req() request: FastifyRequest,
  ): Promise<AccessTokenResponseDto> {
    const { token } = await this.passwordLogin.loginForAccessToken(
      dto.username,
      dto.password,
      'jwt',
      request,
      { code: dto.otp ?? null, field: 'otp' },
    );
    return { access_token: token };
  }
}
