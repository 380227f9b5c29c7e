import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';
import { PasskeySummaryDto } from '../../credentials/passkeys/dto/passkey.dto.js';

export class GroupRefDto {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'engineering' }) name: string;
}

/** A user as they may see themselves: everything but the password hash and the admin's view of them. */
export class ProfileDto {
  @ApiProperty({ example: 42 }) id: number;
  @ApiProperty({ example: 'hawk' }) username: string;
  @ApiProperty({ enum: ['user', 'admin'], example: 'user' }) privilege: string;
  @ApiProperty({
    type: String,
    example: 'read write',
    nullable: true,
    description: "Space-separated JWT scopes; null means the privilege's default",
  })
  scope: string | null;
  @ApiProperty({ type: String, example: 'Tony', nullable: true }) firstName: string | null;
  @ApiProperty({ type: String, example: 'Hawk', nullable: true }) lastName: string | null;
  @ApiProperty({ type: String, example: 'hawk@example.com', nullable: true }) email: string | null;
  @ApiProperty({ type: String, example: 'Skater', nullable: true }) description: string | null;
  @ApiProperty({
    type: String,
    example:
      '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA…\n-----END PUBLIC KEY-----\n',
    nullable: true,
  })
  publicKey: string | null;
  @ApiProperty({ type: [GroupRefDto] }) groups: GroupRefDto[];
  @ApiProperty({
    example: false,
    description: 'Whether a TOTP second factor is on: password logins need a code as well',
  })
  secondFactor: boolean;
  @ApiProperty({
    type: [PasskeySummaryDto],
    description: 'My passkeys, by name (never their keys)',
  })
  passkeys: PasskeySummaryDto[];
  @ApiProperty({
    type: String,
    example: '2026-11-23T16:00:00.000Z',
    nullable: true,
    format: 'date-time',
  })
  lastLoginTime: string | null;
  @ApiProperty({ example: '2026-11-01T09:30:00.000Z', format: 'date-time' }) createdAt: string;
  @ApiProperty({ example: '2026-11-20T12:00:00.000Z', format: 'date-time' }) updatedAt: string;
}

/** What a user may change of their own profile; null clears a field. */
export class UpdateProfileDto {
  @ApiPropertyOptional({ type: String, example: 'Tony', nullable: true, maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  firstName?: string | null;

  @ApiPropertyOptional({ type: String, example: 'Hawk', nullable: true, maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  lastName?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: 'hawk@example.com',
    nullable: true,
    maxLength: 254,
  })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ type: String, example: 'Skater', nullable: true, maxLength: 1024 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string | null;
}
