import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsObject, IsString, MaxLength, MinLength } from 'class-validator';
import { PublicKeyCredentialDto } from '../../credentials/passkeys/dto/webauthn-json.dto.js';

/** `POST /webauthn/authentication`: the assertion the browser made for the options' challenge. */
export class PasskeySignInDto {
  @ApiProperty({
    example: 'q7o1Cq3y6yXh0mJ8Yx3zV0m7m3pQe2kq5Zr0mRkq0pE',
    maxLength: 64,
    description: 'The challengeId of POST /webauthn/authentication/options',
  })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  challengeId: string;

  @ApiProperty({
    type: PublicKeyCredentialDto,
    description: "startAuthentication()'s result (an AuthenticationResponseJSON), as it is",
  })
  @IsDefined()
  @IsObject()
  response: Record<string, unknown>;
}
