import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, MaxLength } from 'class-validator';
import { CredentialsDto } from '../../auth/dto/credentials.dto.js';
import { SECOND_FACTOR_CODE_DOC } from '../../credentials/second-factor/dto/second-factor.dto.js';

/** `authentication`'s body: the credentials, and `otpToken` as the CTO Registry's later document names the code. */
export class SecurityCredentialsDto extends CredentialsDto {
  @ApiProperty(SECOND_FACTOR_CODE_DOC)
  @IsOptional()
  @IsString()
  @MaxLength(64)
  otpToken?: string;
}

export class SecurityAuthenticationResponseDto {
  @ApiProperty({
    type: 'object',
    example: { userId: 7, username: 'ann' },
    additionalProperties: true,
  })
  id: { userId: number; username: string };

  @ApiProperty({
    example: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiI3In0.c2ln',
  })
  token: string;

  @ApiProperty({ example: 'user', enum: ['user', 'admin'] })
  privilege: string;
}

export class CheckTokenDto {
  @ApiProperty({
    description:
      'An access JWT, a user token, or a session: the sid followed directly by its 64-hex secret',
    example: 'eyJhbGciOiJSUzI1NiIs…',
  })
  @IsDefined()
  @IsString()
  token: string;

  @ApiProperty({
    description: 'The service asking; must be in the token’s `aud` when it has one',
    example: 'orders',
  })
  @IsDefined()
  @IsString()
  @MaxLength(256)
  service: string;
}

export class CheckTokenResponseDto {
  @ApiProperty({ enum: ['invalid', 'valid'], example: 'valid' })
  tokenStatus: 'valid' | 'invalid';
}

export class PrivilegeTokenResponseDto {
  @ApiProperty({ example: 'admin' })
  privilege: string;
}
