import { Body, Controller, Get, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { type GenericResponse, genericResponse } from '../common/dialects/generic-response.js';
import { AppConfig } from '../config/app-config.js';
import {
  HashPasswordRequestDto,
  MatchPasswordRequestDto,
} from '../sessions/dto/session-requests.dto.js';
import {
  GenericResponseDto,
  HashPasswordResponseDto,
} from '../sessions/dto/session-responses.dto.js';
import { PasswordOperationsService } from './password-operations.service.js';
import { PASSWORD_ROUTE_MISSES, SessionRoute } from '../sessions/session-access.js';
import { ORIGINAL_STATUSES } from '../sessions/session-api-statuses.js';
import type { LiveSession } from '../credentials/sessions/sessions.service.js';
import { ApiRateLimitedResponse } from '../identity/limited-route.decorator.js';
import { Public } from '../common/decorators/route-access.decorator.js';

const sidQuery = {
  name: 'sid',
  required: true,
  type: String,
  description: 'The sid; the cookie holds its secret',
};

/**
 * The session API's password endpoints (each call costs a bcrypt, so they are throttled per
 * client) and its global prefix.
 */
@ApiTags('Session API')
@Dialect('session')
@Controller('auth')
export class PasswordsController {
  constructor(
    private readonly config: AppConfig,
    private readonly passwords: PasswordOperationsService,
  ) {}

  @Post('hashpassword')
  @SessionRoute(PASSWORD_ROUTE_MISSES, { passwordOps: true })
  @ApiRateLimitedResponse()
  @ApiOperation({
    summary: 'Create a hash of the given password for the given user (own user, or any as admin)',
    description: ORIGINAL_STATUSES,
  })
  @ApiQuery(sidQuery)
  @ApiCookieAuth('session')
  @ApiCreatedResponse({
    type: HashPasswordResponseDto,
    description: 'OK "Successfully hashed password"',
  })
  @ApiUnauthorizedResponse({
    type: GenericResponseDto,
    description: 'FAILURE: no live session',
  })
  @ApiBadRequestResponse({
    type: GenericResponseDto,
    description:
      'INVALIDDATA: a bad body, or a password the policy refuses, a message naming the field',
  })
  @ApiForbiddenResponse({
    type: GenericResponseDto,
    description: "PERMISSION: another user's hash",
  })
  @ApiNotFoundResponse({ type: GenericResponseDto, description: 'NOTFOUND: no user has this id' })
  @ApiTooManyRequestsResponse({ type: GenericResponseDto })
  hashPassword(
    @CurrentUser() { user }: LiveSession,
    @Body() dto: HashPasswordRequestDto,
  ): Promise<HashPasswordResponseDto> {
    return this.passwords.hash(user, dto);
  }

  @Post('matchpassword')
  @SessionRoute(PASSWORD_ROUTE_MISSES, { passwordOps: true })
  @ApiRateLimitedResponse()
  @ApiOperation({
    summary: 'Checks if the given password matches the given hash (OK or FAILURE)',
    description: ORIGINAL_STATUSES,
  })
  @ApiQuery(sidQuery)
  @ApiCookieAuth('session')
  @ApiCreatedResponse({
    type: GenericResponseDto,
    description:
      'The verdict: OK "Password matches" or FAILURE "Password does not match" (a question, not a credential check: both are this status)',
  })
  @ApiBadRequestResponse({
    type: GenericResponseDto,
    description:
      'INVALIDDATA: a bad body, or a hash that is not a bcrypt hash this service can check, a message naming the field',
  })
  @ApiUnauthorizedResponse({
    type: GenericResponseDto,
    description: 'FAILURE: no live session',
  })
  @ApiTooManyRequestsResponse({ type: GenericResponseDto })
  matchPassword(@Body() dto: MatchPasswordRequestDto): Promise<GenericResponse> {
    return this.passwords.match(dto);
  }

  @Get('globalprefix')
  @Public()
  @ApiOperation({
    summary: 'Returns the global prefix (in responseInfo.responseMessage, and in property)',
    description: ORIGINAL_STATUSES,
  })
  @ApiOkResponse({ type: GenericResponseDto, description: 'OK, the prefix as its responseMessage' })
  globalPrefix(): GenericResponse {
    // The original answers the prefix as the message; `property` keeps it for earlier clients.
    const prefix = this.config.globalPrefix;
    return genericResponse('OK', prefix, { property: prefix });
  }
}
