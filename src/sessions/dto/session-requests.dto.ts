import { ApiProperty } from '@nestjs/swagger';
import {
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { INT32_MAX } from '../../common/validation/positive-int.pipe.js';
import { SECOND_FACTOR_CODE_DOC } from '../../credentials/second-factor/dto/second-factor.dto.js';

export class LoginRequestDto {
  @ApiProperty({ example: 'hawk', description: 'The username' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  login: string;

  @ApiProperty({ example: 'newpwd-2020' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  @ApiProperty(SECOND_FACTOR_CODE_DOC)
  @IsOptional()
  @IsString()
  @MaxLength(64)
  otp?: string;
}

export class LoginWithRsaRequestDto {
  @ApiProperty({ example: 'hawk' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  username: string;

  @ApiProperty({ example: '6f1c0e52b1d44c3f', description: 'Any string, used once per user' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  salt: string;

  @ApiProperty({
    example: 1795432000,
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description:
      'When the signature expires, in seconds since the epoch (the original’s int); a value of 10^11 or more is read as milliseconds. In the future and at most 10 minutes away. Signed as sent, its decimal digits.',
  })
  @IsDefined()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  expirationTimestamp: number;

  @ApiProperty({
    description:
      'base64 RSASSA-PKCS1-v1_5 SHA-256 signature of the UTF-8 bytes of `username:salt:expirationTimestamp`, the timestamp as sent',
    example: 'kq3v…==',
  })
  @IsDefined()
  @IsString()
  @MaxLength(2048)
  rsaSignature: string;
}

export class HashPasswordRequestDto {
  @ApiProperty({ example: 'a-new-password' })
  @IsDefined()
  @IsString()
  password: string;

  @ApiProperty({ example: 12345 })
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  userId: number;
}

export class MatchPasswordRequestDto {
  @ApiProperty({ example: 'a-new-password' })
  @IsDefined()
  @IsString()
  @MaxLength(1024)
  password: string;

  @ApiProperty({ example: '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW' })
  @IsDefined()
  @IsString()
  @MaxLength(128)
  hash: string;
}
