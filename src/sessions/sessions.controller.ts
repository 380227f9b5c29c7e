import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  ParseBoolPipe,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import {
  genericResponse,
  type GenericResponse,
  SessionApiException,
} from '../common/dialects/generic-response.js';
import { AppConfig } from '../config/app-config.js';
import { LoginWithRsaRequestDto } from './dto/session-requests.dto.js';
import {
  AuthenticationResponseDto,
  GenericResponseDto,
  LoginResponseDto,
} from './dto/session-responses.dto.js';
import { type LoginRequest, loginContextOf } from './login-context.js';
import {
  clearSessionCookie,
  EXPIRED_SESSION_COOKIE_HEADER,
  SESSION_COOKIE_HEADER,
  setSessionCookie,
} from './session-cookie.js';
import { LOGOUT_MISSES, SessionRoute, VALIDATE_MISSES } from './session-access.js';
import { SessionLoginService } from './session-login.service.js';
import { type LiveSession, SessionsService } from '../credentials/sessions/sessions.service.js';
import { LoginRoute } from '../identity/limited-route.decorator.js';
import { ORIGINAL_STATUSES } from './session-api-statuses.js';
import { Access } from '../identity/access.decorator.js';

const sidQuery = {
  name: 'sid',
  required: false,
  description: 'Existing sid; the cookie must hold its secret',
};

/** allSessions: true or false, or left out; anything else is bad input, naming the parameter. */
const ALL_SESSIONS_PIPE = new ParseBoolPipe({
  optional: true,
  exceptionFactory: () =>
    new SessionApiException(
      'INVALIDDATA',
      'allSessions must be true or false',
      undefined,
      'allSessions',
    ),
});

@ApiTags('Session API')
@Dialect('session')
@Controller('auth')
export class SessionsController {
  constructor(
    private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly sessionLogin: SessionLoginService,
  ) {}

  @Get('validate/:sid')
  @SessionRoute(VALIDATE_MISSES, { source: 'validate-path' })
  @ApiOperation({
    summary: 'Validate the given SID (sid followed by its secret, or sid with the cookie)',
    description: ORIGINAL_STATUSES,
  })
  @ApiParam({
    name: 'sid',
    type: String,
    description: 'sid + gcn_session_secret, or the bare sid with the GCN_SESSION_SECRET cookie',
  })
  @ApiCookieAuth('session')
  @ApiOkResponse({
    type: AuthenticationResponseDto,
    description: 'OK "Successfully validated given SID", with the user and groups',
  })
  @ApiBadRequestResponse({
    type: GenericResponseDto,
    description:
      'INVALIDDATA "Invalid SID given": not a positive 32-bit decimal number, or no well-formed secret (after it, or in the cookie)',
  })
  @ApiNotFoundResponse({
    type: GenericResponseDto,
    description: 'NOTFOUND "No such session": no live session for this sid and secret',
  })
  validate(@CurrentUser() { user, snapshot }: LiveSession): Promise<AuthenticationResponseDto> {
    return this.sessionLogin.authenticationResponse(user, snapshot);
  }

  @Post('logout/:sid')
  @SessionRoute(LOGOUT_MISSES)
  @ApiOperation({
    summary: 'Do a logout for the current session (or all sessions of its user)',
    description: ORIGINAL_STATUSES,
  })
  @ApiParam({
    name: 'sid',
    type: String,
    description:
      "The session's sid (a decimal number, such as 42); its secret comes in the session cookie",
  })
  @ApiCookieAuth('session')
  @ApiQuery({ name: 'allSessions', required: false, type: Boolean })
  @ApiCreatedResponse({
    type: GenericResponseDto,
    headers: EXPIRED_SESSION_COOKIE_HEADER,
    description: 'OK "Successfully logged out" (one session, or all of the user’s)',
  })
  @ApiBadRequestResponse({
    type: GenericResponseDto,
    description:
      'INVALIDDATA: "Invalid SID given" (the sid is not a positive 32-bit decimal number), or allSessions is neither true nor false',
  })
  @ApiUnauthorizedResponse({
    type: GenericResponseDto,
    description: 'AUTHREQUIRED: no well-formed secret in the session cookie',
  })
  @ApiNotFoundResponse({
    type: GenericResponseDto,
    description: 'NOTFOUND "No such session": no live session for this sid and secret',
  })
  async logout(
    @CurrentUser() { session }: LiveSession,
    @Query('allSessions', ALL_SESSIONS_PIPE) allSessions: boolean | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GenericResponse> {
    await this.sessions.end(session, allSessions ?? false);
    clearSessionCookie(reply, this.config);
    return genericResponse('OK', 'Successfully logged out');
  }

  @Post('loginwithrsa')
  @Access({ accepts: ['rsa-signature'], rule: 'anyone' })
  @LoginRoute()
  @ApiOperation({
    summary: 'Perform a login based on an RSA signature of username:salt:expirationTimestamp',
    description: `expirationTimestamp is in seconds since the epoch (a value of 10^11 or more is read as milliseconds), in the future and at most 10 minutes away; the signature covers it as sent. Each salt is accepted once per user. ${ORIGINAL_STATUSES}`,
  })
  @ApiQuery(sidQuery)
  @ApiCreatedResponse({ type: LoginResponseDto, headers: SESSION_COOKIE_HEADER })
  @ApiBadRequestResponse({
    type: GenericResponseDto,
    description: 'INVALIDDATA: a bad body, a message naming the field at fault',
  })
  @ApiUnauthorizedResponse({
    type: GenericResponseDto,
    description:
      'NOTFOUND "Did not find a user with given credentials": a signature that proves no enabled user, or is expired, too far ahead or replayed',
  })
  async loginWithRsa(
    @Body() dto: LoginWithRsaRequestDto,
    @Req() request: LoginRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const { response, secret } = await this.sessionLogin.withRsaSignature(
      dto,
      loginContextOf(request, this.config),
    );
    if (secret) setSessionCookie(reply, this.config, secret);
    return response;
  }

  @Get(['login', 'ssologin'])
  @Access({ accepts: ['sso-header'], rule: 'anyone' })
  @LoginRoute()
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({
    summary: 'Perform a login with SSO: the user named by a trusted proxy’s header',
    description: ORIGINAL_STATUSES,
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The new SID, with the session cookie',
    schema: { type: 'string', example: '12345' },
    headers: SESSION_COOKIE_HEADER,
  })
  @ApiUnauthorizedResponse({
    description:
      'NOTFOUND: SSO is off (no SSO_TRUSTED_PROXIES), the caller is not a trusted proxy, or the header names no enabled user',
    content: { 'text/plain': { schema: { type: 'string', example: 'NOTFOUND' } } },
  })
  async ssoLogin(
    @Req() request: LoginRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const login = await this.sessionLogin.withSso(loginContextOf(request, this.config));
    if (!login) {
      reply.code(HttpStatus.UNAUTHORIZED);
      return 'NOTFOUND';
    }
    if (login.secret) setSessionCookie(reply, this.config, login.secret);
    return login.response.sid;
  }
}
