import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength, MinLength } from 'class-validator';

/** Where a second-factor code goes in a JSON login body, and what it may be (TOTP or recovery). */
export const SECOND_FACTOR_CODE_DOC = {
  required: false,
  maxLength: 64,
  description:
    'The second-factor code, for a user who has one on: the current TOTP (6 digits) or an unused recovery code (xxxxx-xxxxx)',
  example: '492039',
} as const;

/** Where a route that takes Basic credentials takes the second-factor code: the `X-OTP` header. */
export const SECOND_FACTOR_CODE_HEADER_DOC = {
  name: 'X-OTP',
  required: false,
  description:
    'With Basic credentials of a user who has a second factor on: the current TOTP (6 digits, such as 492039) or an unused recovery code (xxxxx-xxxxx)',
  schema: { type: 'string', maxLength: 64 },
} as const;

export class TotpEnrolmentDto {
  @ApiProperty({
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
    description: 'The secret in base32, for an authenticator app that takes it typed in',
  })
  secret: string;

  @ApiProperty({
    example:
      'otpauth://totp/Gatehouse:ann?issuer=Gatehouse&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
    description: 'The key URI authenticator apps read (the QR code holds it)',
  })
  otpauthUri: string;

  @ApiProperty({
    example: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 53 53">…</svg>',
    description: 'The key URI as a QR code, an SVG document',
  })
  qrCodeSvg: string;
}

/** A code of the second factor: the current TOTP, or (to turn it off) an unused recovery code. */
export class TotpCodeDto {
  @ApiProperty({
    example: '492039',
    description: 'A TOTP (6 digits) or a recovery code (xxxxx-xxxxx)',
  })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code: string;
}

export class RecoveryCodesDto {
  @ApiProperty({
    type: [String],
    example: ['k3m7q-x2bta', 'p4nzr-7hw2c'],
    description: 'Ten codes of one use each, shown this once: keep them somewhere safe',
  })
  recoveryCodes: string[];
}
