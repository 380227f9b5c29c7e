import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength } from 'class-validator';

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
