import { ApiProperty } from '@nestjs/swagger';
import { SECOND_FACTOR_CODE_DOC } from '../../credentials/second-factor/dto/second-factor.dto.js';
import { IsDefined, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** `{username, password}`, the body of `POST /v1/auth` and `POST /api/v1/security/authentication`. */
export class CredentialsDto {
  @ApiProperty({ example: 'BR0001' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  username: string;

  @ApiProperty({ example: 'br123' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

/** `POST /v1/auth`: the credentials, and `otp` for a user with a second factor. */
export class JwtApiCredentialsDto extends CredentialsDto {
  @ApiProperty(SECOND_FACTOR_CODE_DOC)
  @IsOptional()
  @IsString()
  @MaxLength(64)
  otp?: string;
}

export class AccessTokenResponseDto {
  @ApiProperty({
    example:
      'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1ZGFmNDdmMWQzY2IyNjAwMTliNWVkYjkiLCJzdWJfdHlwZSI6ImFkbWluIiwiaXNzIjoib2NhcmlvdCIsImlhdCI6MTU3MTg0OTc3MSwic2NvcGUiOiJwaHlzaWNhbGFjdGl2aXRpZXM6cmVhZCBzbGVlcDpyZWFkIG1lYXN1cmVtZW50czpyZWFkIiwiZXhwIjoxNTcxOTM2MTcxfQ.WduK8favKAufML3t',
  })
  access_token: string;
}
