import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiHeader,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotAcceptableResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { validateBody } from '../common/validation/validate-body.js';
import { AppConfig } from '../config/app-config.js';
import { LoginRequestDto } from '../sessions/dto/session-requests.dto.js';
import { LoginResponseDto } from '../sessions/dto/session-responses.dto.js';
import { type LoginRequest, loginContextOf } from '../sessions/login-context.js';
import { SESSION_COOKIE_HEADER, setSessionCookie } from '../sessions/session-cookie.js';
import { ORIGINAL_STATUSES } from '../sessions/session-api-statuses.js';
import { SessionLoginService } from '../sessions/session-login.service.js';
import { CreateUserTokenDto } from './dto/create-user-token.dto.js';
import { UserTokenDto } from './dto/user-token-response.dto.js';
import { LoginFormGuard } from './guards/login-form.guard.js';
import { SECOND_FACTOR_REQUIRED_HEADERS } from '../common/errors/second-factor-required.exception.js';
import { SECOND_FACTOR_CODE_HEADER_DOC } from '../credentials/second-factor/dto/second-factor.dto.js';
import { UserTokensService } from '../credentials/user-tokens/user-tokens.service.js';
import { LoginRoute } from '../identity/limited-route.decorator.js';
import { hasBasicAuthorization } from '../common/basic-authorization.js';
import { PasswordLoginService } from '../identity/password-login.service.js';
import { Access } from '../identity/access.decorator.js';

/**
 * `POST /auth/login`, one path of two APIs: with `Authorization: Basic` the user-token
 * login (200, UserToken), otherwise the session login (JSON `{login, password}`, 201,
 * LoginResponse and the secret cookie). Errors follow the same split (the `login` dialect).
 */
@ApiTags('User-token API', 'Session API')
@Dialect('login')
@Controller('auth')
export class LoginController {
  constructor(
    private readonly config: AppConfig,
    private readonly userTokens: UserTokensService,
    private readonly sessionLogin: SessionLoginService,
    private readonly passwordLogin: PasswordLoginService,
  ) {}

  @Post('login')
  @Access({ accepts: ['password'], rule: 'anyone' })
  @LoginRoute(LoginFormGuard)
  @ApiOperation({
    summary: 'Log in: Basic credentials for a userToken, or a JSON {login, password} for a session',
    description: `Session form: ${ORIGINAL_STATUSES}`,
  })
  // Basic, or nothing: the session form takes its credentials in the body.
  @ApiSecurity({})
  @ApiBasicAuth('basic')
  @ApiHeader(SECOND_FACTOR_CODE_HEADER_DOC)
  @ApiExtraModels(CreateUserTokenDto, LoginRequestDto)
  @ApiBody({
    required: false,
    description:
      'With `Authorization: Basic`: optional `{note, expirationTime}`. Without it: `{login, password}`.',
    // Either form's body: the user-token form ignores properties it does not know, so a session
    // body is a valid user-token body too, and oneOf would refuse it.
    schema: {
      anyOf: [
        { $ref: getSchemaPath(CreateUserTokenDto) },
        { $ref: getSchemaPath(LoginRequestDto) },
      ],
    },
    examples: {
      userToken: {
        summary: 'With Authorization: Basic, a userToken with a note and an expiry',
        value: { note: 'Client API Access', expirationTime: '2019-07-29T23:59:59-05:00' },
      },
      session: {
        summary: 'Without Authorization, a session',
        value: { login: 'hawk', password: 'newpwd-2020' },
      },
    },
  })
  @ApiQuery({
    name: 'sid',
    required: false,
    description: 'Session form: a sid to re-use (cookie must match)',
  })
  @ApiOkResponse({ type: UserTokenDto, description: 'User-token login (Basic credentials)' })
  @ApiCreatedResponse({
    type: LoginResponseDto,
    description: 'Session login (JSON credentials), with the GCN_SESSION_SECRET cookie',
    headers: SESSION_COOKIE_HEADER,
  })
  @ApiBadRequestResponse({
    description:
      'A bad body: INVALIDDATA naming the field (session), or the field at fault (Basic)',
  })
  @ApiUnauthorizedResponse({
    description:
      'Authorization failed (Basic), or NOTFOUND "Did not find a user with given credentials" (session: wrong password, unknown or disabled user, a wrong or used otp). The right password of a user with a second factor on without a code (X-OTP with Basic, otp in the session form): Gatehouse-OTP: required, and AUTHREQUIRED in the session form',
    headers: SECOND_FACTOR_REQUIRED_HEADERS,
  })
  @ApiNotAcceptableResponse({
    description: 'Basic form: the Accept header rules out application/json',
  })
  async login(
    @Req() request: LoginRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<UserTokenDto | LoginResponseDto> {
    if (hasBasicAuthorization(request)) {
      const user = await this.passwordLogin.basicLogin(request, 'user-token');
      reply.status(200).header('Vary', 'Accept');
      return this.userTokens.issue(user, await validateBody(CreateUserTokenDto, body));
    }
    const { response, secret } = await this.sessionLogin.withPassword(
      await validateBody(LoginRequestDto, body),
      loginContextOf(request, this.config),
    );
    if (secret) setSessionCookie(reply, this.config, secret);
    reply.status(201);
    return response;
  }
}
