import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength } from 'class-validator';

export class PublicKeyDto {
  @ApiProperty({
    description: 'RSA public key (SPKI PEM, at least 2048 bits) for `POST /auth/loginwithrsa`',
    example:
      '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA…\n-----END PUBLIC KEY-----\n',
  })
  @IsDefined()
  @IsString()
  @MaxLength(16_384)
  publicKey: string;
}
