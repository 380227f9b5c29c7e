import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { queryBoolean } from '../../common/validation/query-values.js';

/** What a `jti` may be: what Gatehouse issues (UUIDs) and any other printable name up to 64. */
export const JTI_PATTERN = /^[\x21-\x7E]{1,64}$/;

/** A field is checked when it is given, and when the other is not: null counts as given. */
export class RevokeAccessTokenDto {
  @ApiPropertyOptional({
    example: '0b6f8a53-4a4e-4b59-9a39-7b5b6a1c9c0e',
    description: 'The `jti` of the access JWT; or give `token`',
    maxLength: 64,
  })
  @ValidateIf((dto: RevokeAccessTokenDto) => dto.token === undefined || dto.jti !== undefined)
  @IsString()
  @Matches(JTI_PATTERN, { message: 'jti must be 1 to 64 printable characters' })
  jti?: string;

  @ApiPropertyOptional({
    example: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ii4uLiJ9.eyJqdGkiOiIuLi4ifQ.c2ln',
    description: 'The access JWT itself; or give `jti`',
  })
  @ValidateIf((dto: RevokeAccessTokenDto) => dto.jti === undefined || dto.token !== undefined)
  @IsString()
  @MaxLength(16_384)
  token?: string;
}

export class RevokedAccessTokenDto {
  @ApiProperty({ example: '0b6f8a53-4a4e-4b59-9a39-7b5b6a1c9c0e' }) jti: string;
  @ApiProperty({
    example: '2026-11-24T16:00:00.000Z',
    format: 'date-time',
    description: 'Until when the revocation is kept: the token has expired by then',
  })
  expiresAt: string;
}

export class EndedCredentialsDto {
  @ApiProperty({ example: 2 }) userTokens: number;
  @ApiProperty({ example: 1 }) sessions: number;
  @ApiProperty({ example: true, description: 'Whether an RSA login key was removed' })
  rsaKeyRemoved: boolean;
  @ApiProperty({ example: 1, description: 'How many passkeys were removed' })
  passkeysRemoved: number;
}

export class RemovedPasskeysDto {
  @ApiProperty({ example: 2, description: 'How many passkeys were removed (0: the user had none)' })
  removed: number;
}

export class RotateKeyQueryDto {
  @ApiPropertyOptional({
    type: Boolean,
    description:
      'now=true: an emergency rotation: the new key signs at once and every other key is withdrawn; ' +
      'tokens they signed stop validating everywhere. Left out or false: the usual delayed rotation',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  now?: boolean;
}

export class RotatedKeyDto {
  @ApiProperty({
    example: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    description: 'The kid of the new signing key (RFC 7638 thumbprint)',
  })
  kid: string;

  @ApiProperty({
    example: '2026-11-24T16:10:00.000Z',
    format: 'date-time',
    description:
      'When the new key starts signing on every instance: JWT_KEY_ACTIVATION_DELAY after the ' +
      'rotation, or at once with `now`; it is in /.well-known/jwks.json from the rotation on',
  })
  activatesAt: string;

  @ApiProperty({
    type: [String],
    example: [],
    description: 'The kids withdrawn by an emergency rotation (none otherwise)',
  })
  withdrawn: string[];
}
