import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PublicKeyCredentialDto } from '../../credentials/passkeys/dto/webauthn-json.dto.js';

/** A passkey's name, as its owner gives it: trimmed, then 1 to 64 printable characters. */
export class PasskeyNameDto {
  @ApiProperty({ example: 'Laptop', minLength: 1, maxLength: 64, description: 'My name for it' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  name: string;
}

/** `POST /api/me/passkeys`: the new credential the browser made, and its name. */
export class AddPasskeyDto extends PasskeyNameDto {
  @ApiPropertyOptional({
    example: 'q7o1Cq3y6yXh0mJ8Yx3zV0m7m3pQe2kq5Zr0mRkq0pE',
    maxLength: 64,
    description:
      'The challengeId of POST /api/me/passkeys/options; left out: the challenge the ' +
      'response names',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  challengeId?: string;

  @ApiProperty({
    type: PublicKeyCredentialDto,
    description: "startRegistration()'s result (a RegistrationResponseJSON), as it is",
  })
  @IsDefined()
  @IsObject()
  response: Record<string, unknown>;
}
