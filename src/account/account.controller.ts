import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiServiceUnavailableResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { SECOND_FACTOR_REQUIRED_HEADERS } from '../common/errors/second-factor-required.exception.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { PositiveIntPipe } from '../common/validation/positive-int.pipe.js';
import { AccountService } from './account.service.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { OwnerProofDto, SetMyPublicKeyDto, StartTotpEnrolmentDto } from './dto/owner-proof.dto.js';
import { AddPasskeyDto, PasskeyNameDto } from './dto/passkeys.dto.js';
import { NewPasskeyDto, PasskeyDto } from '../credentials/passkeys/dto/passkey.dto.js';
import { CreationOptionsDto } from '../credentials/passkeys/dto/webauthn-json.dto.js';
import {
  SessionSummaryDto,
  UserTokenSummaryDto,
} from '../user-store/dto/credential-summaries.dto.js';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { ProfileDto, UpdateProfileDto } from '../identity/dto/profile.dto.js';
import { Actor, type RequestActor } from '../identity/request-actor.decorator.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { ApiRateLimitedResponse, HashesPassword } from '../identity/limited-route.decorator.js';
import {
  RecoveryCodesDto,
  TotpCodeDto,
  TotpEnrolmentDto,
} from '../credentials/second-factor/dto/second-factor.dto.js';

const badRequest = { type: ErrorResponseDto, description: 'A malformed body or id' };

/**
 * The answers of a route that asks me to prove my password (and a code) again, as a login is
 * judged: `wrong` is what a wrong proof is called; the lock's 429 with Retry-After.
 */
const ProofAnswers = (wrong: string) =>
  applyDecorators(
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description:
        'No live access JWT, user token or session; or the right password of mine without the ' +
        'code my second factor asks for (Gatehouse-OTP: required), which counts as a failure',
      headers: SECOND_FACTOR_REQUIRED_HEADERS,
    }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: wrong }),
    ApiTooManyRequestsResponse({
      type: ErrorResponseDto,
      description: 'Locked after failed attempts, or too many from this address (Retry-After)',
    }),
    ApiRateLimitedResponse(),
  );

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
  @ApiOperation({
    summary: 'Add or replace my RSA public key (for POST /auth/loginwithrsa)',
    description:
      'A login key is a credential: I prove my current password again, and a code while my ' +
      'second factor is on, checked as a login is (failures count towards the lock; a success ' +
      'resets nothing). A token or a session alone cannot add one. Audited.',
  })
  @ApiOkResponse({ type: ProfileDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A missing field, or not an RSA public key of at least 2048 bits in SPKI PEM form',
  })
  @ProofAnswers('password or code is wrong')
  setPublicKey(@Actor() actor: RequestActor, @Body() dto: SetMyPublicKeyDto): Promise<ProfileDto> {
    return this.account.setPublicKey(actor, dto);
  }

  @Delete('public-key')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove my RSA public key',
    description:
      'With the same proof as adding one: my current password, and a code while my second ' +
      'factor is on. POST /auth/loginwithrsa then refuses every signature of mine. Audited.',
  })
  @ApiBody({ type: OwnerProofDto })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A missing or malformed field' })
  @ProofAnswers('password or code is wrong')
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'I have no RSA public key' })
  removePublicKey(@Actor() actor: RequestActor, @Body() dto: OwnerProofDto): Promise<void> {
    return this.account.removePublicKey(actor, dto);
  }

  @Post('password')
  @HashesPassword()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change my password',
    description:
      'The old password (and a code while my second factor is on) is checked as a login is ' +
      '(failures count towards the lock; a success resets nothing). Every other session and ' +
      'user token of mine ends; the session or user token this call came with is kept, its ' +
      'timeouts running on from its start. Every access JWT issued before the change stops ' +
      'working, whatever second it was issued in, including the one this call came with.',
  })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A missing field, or a new password the policy refuses',
  })
  @ProofAnswers('oldPassword (or code) is wrong')
  changePassword(@Actor() actor: RequestActor, @Body() dto: ChangePasswordDto): Promise<void> {
    return this.account.changePassword(actor, dto);
  }

  @Post('totp')
  @ApiOperation({
    summary: 'Start enrolling a TOTP second factor',
    description:
      'Proves the current password again (failures count towards the lock; a right password ' +
      'resets nothing, whatever the answer), then answers a new secret, its otpauth:// key URI ' +
      'and that URI as a QR code (SVG) for an authenticator app. Nothing changes for logins ' +
      'until POST /api/me/totp/confirm; starting again replaces a pending secret.',
  })
  @ApiOkResponse({ type: TotpEnrolmentDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A missing or malformed password' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'password is wrong' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A second factor is on already' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Locked after failed attempts, or too many from this address (Retry-After)',
  })
  @ApiRateLimitedResponse()
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
  @HttpCode(200)
  @ApiOperation({
    summary: 'Turn the TOTP second factor on with its first code',
    description:
      'Answers ten recovery codes, each good for one login instead of a TOTP, shown this once ' +
      'and stored hashed. From then on every password login needs a code as well. A wrong code ' +
      'counts towards the lock, as a wrong login code does.',
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A missing or malformed code' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'Not a current code of the secret being enrolled',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'No enrolment is pending' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Locked after failed attempts, or too many from this address (Retry-After)',
  })
  @ApiRateLimitedResponse()
  confirmSecondFactor(
    @Actor() actor: RequestActor,
    @Body() dto: TotpCodeDto,
  ): Promise<RecoveryCodesDto> {
    return this.account.confirmSecondFactor(actor, dto.code);
  }

  @Delete('totp')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Turn the TOTP second factor off with a code',
    description:
      'A current TOTP or an unused recovery code; a wrong one counts towards the lock, as at a ' +
      'login, and a right one turns the factor off only while the account is not locked.',
  })
  @ApiBody({ type: TotpCodeDto })
  @ApiNoContentResponse({ description: 'Turned off; its recovery codes are gone with it' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A missing or malformed code' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'Not a current TOTP or an unused recovery code',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'No second factor is on' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Locked after failed attempts, or too many from this address (Retry-After)',
  })
  @ApiRateLimitedResponse()
  disableSecondFactor(@Actor() actor: RequestActor, @Body() dto: TotpCodeDto): Promise<void> {
    return this.account.disableSecondFactor(actor, dto.code);
  }

  @Post('passkeys/options')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start adding a passkey: creation options for the browser',
    description:
      'A passkey is a credential: I prove my current password again, and a code while my ' +
      'second factor is on, checked as a login is (failures count towards the lock; a success ' +
      'resets nothing). The answer is what startRegistration() (@simplewebauthn/browser) or ' +
      'navigator.credentials.create() takes: a discoverable credential with user verification, ' +
      'none of my passkeys made again, and a challengeId to send back with the result to POST ' +
      '/api/me/passkeys within 5 minutes.',
  })
  @ApiOkResponse({ type: CreationOptionsDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A missing or malformed field' })
  @ProofAnswers('password or code is wrong')
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: "WEBAUTHN_RP_ID is needed: PUBLIC_URL's host is an IP address",
  })
  passkeyOptions(
    @Actor() actor: RequestActor,
    @Body() dto: OwnerProofDto,
  ): Promise<CreationOptionsDto> {
    return this.account.passkeyOptions(actor, dto);
  }

  @Post('passkeys')
  @ApiOperation({
    summary: 'Add a passkey: the credential the browser made for my options',
    description:
      "startRegistration()'s result as `response`, my name for the passkey, and the " +
      "options' challengeId (left out: the challenge the response names). The challenge is " +
      'mine alone and is used once. Audited.',
  })
  @ApiCreatedResponse({ type: NewPasskeyDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'A missing or malformed field; a challenge that is not my open one (used, expired, ' +
      "another user's); a response that does not verify for this site (origin, RP ID, user " +
      'verification)',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'This passkey is stored already' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: "WEBAUTHN_RP_ID is needed: PUBLIC_URL's host is an IP address",
  })
  addPasskey(@Actor() actor: RequestActor, @Body() dto: AddPasskeyDto): Promise<NewPasskeyDto> {
    return this.account.addPasskey(actor, dto);
  }

  @Get('passkeys')
  @ApiOperation({ summary: 'List my passkeys (never their keys)' })
  @ApiOkResponse({ type: [PasskeyDto] })
  passkeys(@Actor() actor: RequestActor): Promise<PasskeyDto[]> {
    return this.account.listPasskeys(actor);
  }

  @Patch('passkeys/:id')
  @ApiOperation({ summary: 'Rename one of my passkeys' })
  @ApiParam({ name: 'id', type: Number, description: 'The passkey id' })
  @ApiOkResponse({ type: PasskeyDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A malformed id, or a name that is not 1 to 64 printable characters',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'I have no passkey with this id' })
  renamePasskey(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
    @Body() dto: PasskeyNameDto,
  ): Promise<PasskeyDto> {
    return this.account.renamePasskey(actor, id, dto.name);
  }

  @Delete('passkeys/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove one of my passkeys',
    description: 'It signs no one in from then on. No password asked: removing lets no one in.',
  })
  @ApiParam({ name: 'id', type: Number, description: 'The passkey id' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'I have no passkey with this id' })
  removePasskey(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
  ): Promise<void> {
    return this.account.removePasskey(actor, id);
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
  @ApiParam({ name: 'id', type: Number, description: 'The user token id' })
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
  @ApiParam({ name: 'sid', type: Number, description: 'The sid' })
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
