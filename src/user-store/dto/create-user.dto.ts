import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** 1–64 printable characters; no colon (Basic authentication splits on it), no outer spaces. */
export const USERNAME_PATTERN = /^(?=[^\s])[^\p{C}:]{1,64}(?<=[^\s])$/u;

export class CreateUserDto {
  @ApiProperty({
    example: 'hawk',
    description: '1–64 printable characters, case-insensitively unique',
  })
  @IsString()
  @Matches(USERNAME_PATTERN, {
    message: 'username must be 1 to 64 printable characters, without ":" or surrounding spaces',
  })
  username: string;

  @ApiProperty({
    example: 'newpwd-2020',
    description: 'PASSWORD_MIN_LENGTH characters to 72 bytes',
  })
  @IsString()
  password: string;

  @ApiPropertyOptional({ example: 'Tony' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  firstName?: string;
  @ApiPropertyOptional({ example: 'Hawk' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  lastName?: string;
  @ApiPropertyOptional({ example: 'hawk@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;
  @ApiPropertyOptional({ example: 'Skater' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @ApiPropertyOptional({
    description: 'RSA public key (SPKI PEM, at least 2048 bits) for `POST /auth/loginwithrsa`',
    example:
      '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA…\n-----END PUBLIC KEY-----\n',
  })
  @IsOptional()
  @IsString()
  @MaxLength(16_384)
  publicKey?: string;
}
