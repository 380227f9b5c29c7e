import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiServiceUnavailableResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { PositiveIntPipe } from '../common/validation/positive-int.pipe.js';
import { PublicKeyDto } from '../users/dto/public-key.dto.js';
import { AccountService } from './account.service.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { SessionSummaryDto, UserTokenSummaryDto } from '../identity/dto/credentials.dto.js';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { ProfileDto, UpdateProfileDto } from '../users/dto/profile.dto.js';
import { Actor, type RequestActor } from '../identity/request-actor.decorator.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { HashesPassword, LoginRoute } from '../identity/limited-route.decorator.js';
import {
  RecoveryCodesDto,
  StartTotpEnrolmentDto,
  TotpCodeDto,
  TotpEnrolmentDto,
} from '../second-factor/dto/second-factor.dto.js';

const badRequest = { type: ErrorResponseDto, description: 'A malformed body or id' };

@ApiTags('Self-service')
@Dialect('default')
@Authenticated('signed-in')
@Controller('api/me')
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Get()
  @ApiOperation({ summary: 'Read my profile' })
  @ApiOkResponse({ type: ProfileDto })
  profile(@Actor() actor: RequestActor): Promise<ProfileDto> {
    return this.account.profile(actor.caller.user.id);
  }

  @Patch()
  @ApiOperation({ summary: 'Update my profile (names, email, description; null clears one)' })
  @ApiOkResponse({ type: ProfileDto })
  @ApiBadRequestResponse(badRequest)
  updateProfile(@Actor() actor: RequestActor, @Body() dto: UpdateProfileDto): Promise<ProfileDto> {
    return this.account.updateProfile(actor, dto);
  }

  @Put('public-key')
  @ApiOperation({ summary: 'Replace my RSA public key (for POST /auth/loginwithrsa)' })
  @ApiOkResponse({ type: ProfileDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Not an RSA public key of at least 2048 bits in SPKI PEM form',
  })
  setPublicKey(@Actor() actor: RequestActor, @Body() dto: PublicKeyDto): Promise<ProfileDto> {
    return this.account.setPublicKey(actor, dto.publicKey);
  }

  @Post('password')
  @HashesPassword()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change my password',
    description:
      'The old password is checked as a login is (failures count towards the lockout). Every ' +
      'other session and user token of mine ends; the session or user token this call came ' +
      'with is kept. Every access JWT issued before the change stops working, whatever second ' +
      'it was issued in, including the one this call came with.',
  })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A missing field, or a new password the policy refuses',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'oldPassword is wrong' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Locked after failed attempts (Retry-After)',
  })
  changePassword(@Actor() actor: RequestActor, @Body() dto: ChangePasswordDto): Promise<void> {
    return this.account.changePassword(actor, dto);
  }

  @Post('totp')
  @ApiOperation({
    summary: 'Start enrolling a TOTP second factor',
    description:
      'Proves the current password again (failures count towards the lockout), then answers a ' +
      'new secret, its otpauth:// key URI and that URI as a QR code (SVG) for an authenticator ' +
      'app. Nothing changes for logins until POST /api/me/totp/confirm; starting again replaces ' +
      'a pending secret.',
  })
  @ApiOkResponse({ type: TotpEnrolmentDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A missing or malformed password' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'password is wrong' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A second factor is on already' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Locked after failed attempts (Retry-After)',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'TOTP_ENCRYPTION_KEY is not set (PostgreSQL)',
  })
  @HttpCode(200)
  startSecondFactor(
    @Actor() actor: RequestActor,
    @Body() dto: StartTotpEnrolmentDto,
  ): Promise<TotpEnrolmentDto> {
    return this.account.startSecondFactor(actor, dto.password);
  }

  @Post('totp/confirm')
  @LoginRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Turn the TOTP second factor on with its first code',
    description:
      'Answers ten recovery codes, each good for one login instead of a TOTP, shown this once ' +
      'and stored hashed. From then on every password login needs a code as well.',
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A missing or malformed code' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'Not a current code of the secret being enrolled',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'No enrolment is pending' })
  confirmSecondFactor(
    @Actor() actor: RequestActor,
    @Body() dto: TotpCodeDto,
  ): Promise<RecoveryCodesDto> {
    return this.account.confirmSecondFactor(actor, dto.code);
  }

  @Delete('totp')
  @LoginRoute()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Turn the TOTP second factor off with a code',
    description:
      'A current TOTP or an unused recovery code; a wrong one counts towards the lockout, as at ' +
      'a login.',
  })
  @ApiBody({ type: TotpCodeDto })
  @ApiNoContentResponse({ description: 'Turned off; its recovery codes are gone with it' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A missing or malformed code' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'Not a current TOTP or an unused recovery code',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'No second factor is on' })
  disableSecondFactor(@Actor() actor: RequestActor, @Body() dto: TotpCodeDto): Promise<void> {
    return this.account.disableSecondFactor(actor, dto.code);
  }

  @Get('user-tokens')
  @ApiOperation({ summary: 'List my user tokens (never their values)' })
  @ApiOkResponse({ type: [UserTokenSummaryDto] })
  userTokens(@Actor() actor: RequestActor): Promise<UserTokenSummaryDto[]> {
    return this.account.listUserTokens(actor);
  }

  @Delete('user-tokens/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of my user tokens' })
  @ApiParam({ name: 'id', type: Number, example: 17, description: 'The user token id' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'I have no user token with this id' })
  revokeUserToken(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
  ): Promise<void> {
    return this.account.revokeUserToken(actor, id);
  }

  @Get('sessions')
  @ApiOperation({ summary: 'List my sessions (never their secrets)' })
  @ApiOkResponse({ type: [SessionSummaryDto] })
  sessions(@Actor() actor: RequestActor): Promise<SessionSummaryDto[]> {
    return this.account.listSessions(actor);
  }

  @Delete('sessions/:sid')
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of my sessions' })
  @ApiParam({ name: 'sid', type: Number, example: 12345, description: 'The sid' })
  @ApiNoContentResponse({ description: 'Ended' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'I have no session with this sid' })
  endSession(
    @Actor() actor: RequestActor,
    @Param('sid', PositiveIntPipe) sid: number,
  ): Promise<void> {
    return this.account.endSession(actor, sid);
  }
}
