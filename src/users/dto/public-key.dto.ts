import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength } from 'class-validator';

/** A new RSA login key, as every route that takes one documents it. */
export const PUBLIC_KEY_DOC = {
  description: 'RSA public key (SPKI PEM, at least 2048 bits) for `POST /auth/loginwithrsa`',
  example:
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA…\n-----END PUBLIC KEY-----\n',
} as const;

/** `PUT /api/users/{id}/public-key`: the new key; the owner's password comes as Basic. */
export class PublicKeyDto {
  @ApiProperty(PUBLIC_KEY_DOC)
  @IsDefined()
  @IsString()
  @MaxLength(16_384)
  publicKey: string;
}
