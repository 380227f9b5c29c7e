import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { SECOND_FACTOR_CODE_DOC } from '../../credentials/second-factor/dto/second-factor.dto.js';
import { PUBLIC_KEY_DOC } from '../../users/dto/public-key.dto.js';

/** The second-factor code an owner gives with their password while their factor is on. */
export const OwnerCode = () =>
  applyDecorators(
    ApiPropertyOptional({
      ...SECOND_FACTOR_CODE_DOC,
      description: `${SECOND_FACTOR_CODE_DOC.description}; needed while my second factor is on`,
    }),
    IsOptional(),
    IsString(),
    MaxLength(64),
  );

/** The owner's current password, proved again before one of their credentials changes. */
export class PasswordProofDto {
  @ApiProperty({ example: 'correct-horse-battery', description: 'My current password' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

/**
 * What an owner proves again before a credential of theirs changes: a token or a session alone
 * never adds, replaces or removes one.
 */
export class OwnerProofDto extends PasswordProofDto {
  @OwnerCode()
  code?: string;
}

/**
 * `POST /api/me/totp`: the current password, so that a stolen token or session cannot enrol.
 * No code: there is no factor yet to give one from.
 */
export class StartTotpEnrolmentDto extends PasswordProofDto {}

/** `PUT /api/me/public-key`: the new key, with the owner's proof. */
export class SetMyPublicKeyDto extends OwnerProofDto {
  @ApiProperty(PUBLIC_KEY_DOC)
  @IsDefined()
  @IsString()
  @MaxLength(16_384)
  publicKey: string;
}
