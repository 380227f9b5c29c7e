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
import { HashPasswordRequestDto, MatchPasswordRequestDto } from './dto/session-requests.dto.js';
import { GenericResponseDto, HashPasswordResponseDto } from './dto/session-responses.dto.js';
import { PasswordOperationsService } from './password-operations.service.js';
import { SessionGuard } from './session.guard.js';
import type { LiveSession } from './sessions.service.js';
import { HashesPassword } from '../identity/limited-route.decorator.js';

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
  @HashesPassword(SessionGuard('AUTHREQUIRED'))
  @ApiOperation({
    summary: 'Create a hash of the given password for the given user (own user, or any as admin)',
  })
  @ApiQuery(sidQuery)
  @ApiCookieAuth('session')
  @ApiCreatedResponse({ type: HashPasswordResponseDto })
  @ApiUnauthorizedResponse({
    type: GenericResponseDto,
    description: 'AUTHREQUIRED: no live session',
  })
  @ApiBadRequestResponse({
    type: GenericResponseDto,
    description: 'FAILURE: a bad body, or a password the policy refuses',
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
  @HashesPassword(SessionGuard('AUTHREQUIRED'))
  @ApiOperation({ summary: 'Checks if the given password matches the given hash (OK or FAILURE)' })
  @ApiQuery(sidQuery)
  @ApiCookieAuth('session')
  @ApiCreatedResponse({ type: GenericResponseDto })
  @ApiBadRequestResponse({
    type: GenericResponseDto,
    description: 'FAILURE: a bad body, or a hash that is not a bcrypt hash this service can check',
  })
  @ApiUnauthorizedResponse({
    type: GenericResponseDto,
    description: 'AUTHREQUIRED: no live session',
  })
  @ApiTooManyRequestsResponse({ type: GenericResponseDto })
  matchPassword(@Body() dto: MatchPasswordRequestDto): Promise<GenericResponse> {
    return this.passwords.match(dto);
  }

  @Get('globalprefix')
  @ApiOperation({ summary: 'Returns the global prefix (in responseInfo.property)' })
  @ApiOkResponse({ type: GenericResponseDto })
  globalPrefix(): GenericResponse {
    return genericResponse('OK', 'Global prefix', { property: this.config.globalPrefix });
  }
}
