import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  SessionSummaryDto,
  UserTokenSummaryDto,
} from '../user-store/dto/credential-summaries.dto.js';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { Actor, type RequestActor } from '../identity/request-actor.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { PositiveIntPipe } from '../common/validation/positive-int.pipe.js';
import { AdminCredentialsService } from './admin-credentials.service.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import {
  EndedCredentialsDto,
  RemovedPasskeysDto,
  RevokeAccessTokenDto,
  RevokedAccessTokenDto,
} from './dto/admin-credentials.dto.js';

const userId = () => ApiParam({ name: 'id', type: Number, description: 'The user id' });
const badRequest = { type: ErrorResponseDto, description: 'A malformed id or body' };

@ApiTags('Administration')
@Dialect('default')
@Authenticated('admin')
@Controller('api/admin')
export class AdminCredentialsController {
  constructor(private readonly credentials: AdminCredentialsService) {}

  @Get('users/:id/user-tokens')
  @ApiOperation({ summary: "List a user's user tokens (never their values)" })
  @userId()
  @ApiOkResponse({ type: [UserTokenSummaryDto] })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user has this id' })
  userTokens(@Param('id', PositiveIntPipe) id: number): Promise<UserTokenSummaryDto[]> {
    return this.credentials.listUserTokens(id);
  }

  @Get('users/:id/sessions')
  @ApiOperation({ summary: "List a user's sessions (never their secrets)" })
  @userId()
  @ApiOkResponse({ type: [SessionSummaryDto] })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user has this id' })
  sessions(@Param('id', PositiveIntPipe) id: number): Promise<SessionSummaryDto[]> {
    return this.credentials.listSessions(id);
  }

  @Delete('users/:id/credentials')
  @ApiOperation({
    summary: 'End every credential of a user at once but the password and the second factor',
    description:
      'For incident response: every passkey is removed, then every session and user token ' +
      'ends, every access JWT stops working and the RSA login key is removed. The password and ' +
      'the TOTP second factor stay: reset those with POST /api/admin/users/{id}/password and ' +
      'DELETE /api/admin/users/{id}/totp.',
  })
  @userId()
  @ApiOkResponse({ type: EndedCredentialsDto })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user has this id' })
  endAll(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
  ): Promise<EndedCredentialsDto> {
    return this.credentials.endAll(actor, id);
  }

  @Delete('users/:id/public-key')
  @HttpCode(204)
  @ApiOperation({
    summary: "Remove a user's RSA public key",
    description:
      'POST /auth/loginwithrsa then refuses every signature of theirs. Admins remove login ' +
      'keys, never set one: only the user adds a key, proving their password. Audited.',
  })
  @userId()
  @ApiNoContentResponse({ description: 'Removed (also when none was set)' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user has this id' })
  removeLoginKey(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
  ): Promise<void> {
    return this.credentials.removeLoginKey(actor, id);
  }

  @Delete('users/:id/passkeys')
  @ApiOperation({
    summary: 'Remove every passkey of a user',
    description:
      'None of them signs in from then on. Admins remove passkeys, never add one: only the user ' +
      'adds a passkey, proving their password. Each removal is audited.',
  })
  @userId()
  @ApiOkResponse({ type: RemovedPasskeysDto })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user has this id' })
  async removePasskeys(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
  ): Promise<RemovedPasskeysDto> {
    return { removed: await this.credentials.removePasskeys(actor, id) };
  }

  @Delete('user-tokens/:tokenId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a user token' })
  @ApiParam({ name: 'tokenId', type: Number, description: 'The user token id' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user token has this id' })
  revokeUserToken(
    @Actor() actor: RequestActor,
    @Param('tokenId', PositiveIntPipe) tokenId: number,
  ): Promise<void> {
    return this.credentials.revokeUserToken(actor, tokenId);
  }

  @Delete('sessions/:sid')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a session' })
  @ApiParam({ name: 'sid', type: Number, description: 'The sid' })
  @ApiNoContentResponse({ description: 'Ended' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No session has this sid' })
  endSession(
    @Actor() actor: RequestActor,
    @Param('sid', PositiveIntPipe) sid: number,
  ): Promise<void> {
    return this.credentials.endSession(actor, sid);
  }

  @Post('revoked-tokens')
  @ApiOperation({ summary: 'Revoke an access JWT everywhere, by its jti or the token itself' })
  @ApiCreatedResponse({ type: RevokedAccessTokenDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Neither a jti nor an access JWT with a jti and an exp',
  })
  revokeAccessToken(
    @Actor() actor: RequestActor,
    @Body() dto: RevokeAccessTokenDto,
  ): Promise<RevokedAccessTokenDto> {
    return this.credentials.revokeAccessToken(actor, dto);
  }
}
