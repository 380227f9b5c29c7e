import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The WebAuthn JSON forms of options and credentials (WebAuthn Level 3's
 * PublicKeyCredential*OptionsJSON and RegistrationResponseJSON / AuthenticationResponseJSON), as
 * @simplewebauthn/browser's startRegistration and startAuthentication take and give them.
 */

const CHALLENGE_EXAMPLE = 'q7o1Cq3y6yXh0mJ8Yx3zV0m7m3pQe2kq5Zr0mRkq0pE';
const CHALLENGE_ID_DOC = {
  example: CHALLENGE_EXAMPLE,
  description:
    'The challenge, which is also its id: send it back with the response (used once, within 5 minutes)',
};

export class RelyingPartyEntityDto {
  @ApiProperty({ example: 'Gatehouse', description: 'PORTAL_TITLE' }) name: string;
  @ApiProperty({ example: 'auth.example.com', description: 'WEBAUTHN_RP_ID' }) id: string;
}

export class UserEntityDto {
  @ApiProperty({
    example: 'Xm2n0bQ1o7dWc4lQy8kqZ9tVf3sR6pLh1uJe5aN0wYc',
    description: 'An opaque handle (base64url): neither the user id nor the name',
  })
  id: string;
  @ApiProperty({ example: 'hawk' }) name: string;
  @ApiProperty({ example: 'hawk' }) displayName: string;
}

export class CredentialParameterDto {
  @ApiProperty({ example: -7, description: 'A COSE algorithm: -8 EdDSA, -7 ES256, -257 RS256' })
  alg: number;
  @ApiProperty({ example: 'public-key' }) type: string;
}

export class CredentialDescriptorDto {
  @ApiProperty({ example: 'Vd0kUq3m1xQ8b9zY5oRr2g', description: 'A credential id, base64url' })
  id: string;
  @ApiProperty({ example: 'public-key' }) type: string;
  @ApiPropertyOptional({ type: [String], example: ['internal'] }) transports?: string[];
}

export class AuthenticatorSelectionDto {
  @ApiProperty({ example: 'required', description: 'Passkeys are discoverable credentials' })
  residentKey: string;
  @ApiProperty({ example: true }) requireResidentKey: boolean;
  @ApiProperty({ example: 'required' }) userVerification: string;
}

export class RegistrationExtensionsDto {
  @ApiProperty({ example: true }) credProps: boolean;
}

/** `navigator.credentials.create()`'s options, as JSON, with the id of their challenge. */
export class CreationOptionsDto {
  @ApiProperty({ type: RelyingPartyEntityDto }) rp: RelyingPartyEntityDto;
  @ApiProperty({ type: UserEntityDto }) user: UserEntityDto;
  @ApiProperty({ example: CHALLENGE_EXAMPLE, description: 'base64url' }) challenge: string;
  @ApiProperty({ type: [CredentialParameterDto] }) pubKeyCredParams: CredentialParameterDto[];
  @ApiProperty({ example: 300_000, description: 'Milliseconds' }) timeout: number;
  @ApiProperty({
    type: [CredentialDescriptorDto],
    description: 'My passkeys, not to be made again',
  })
  excludeCredentials: CredentialDescriptorDto[];
  @ApiProperty({ type: AuthenticatorSelectionDto })
  authenticatorSelection: AuthenticatorSelectionDto;
  @ApiProperty({ example: 'none' }) attestation: string;
  @ApiProperty({ type: RegistrationExtensionsDto }) extensions: RegistrationExtensionsDto;
  @ApiProperty({ type: [String], example: [] }) hints: string[];
  @ApiProperty(CHALLENGE_ID_DOC) challengeId: string;
}

/**
 * `navigator.credentials.get()`'s options, as JSON, with the id of their challenge: no credential
 * listed, so they say nothing about which accounts exist.
 */
export class RequestOptionsDto {
  @ApiProperty({ example: 'auth.example.com', description: 'WEBAUTHN_RP_ID' }) rpId: string;
  @ApiProperty({ example: CHALLENGE_EXAMPLE, description: 'base64url' }) challenge: string;
  @ApiProperty({ example: 300_000, description: 'Milliseconds' }) timeout: number;
  @ApiProperty({ example: 'required' }) userVerification: string;
  @ApiProperty(CHALLENGE_ID_DOC) challengeId: string;
}

/** What an authenticator answered, each binary field in base64url. */
export class AuthenticatorResponseDto {
  @ApiProperty({
    example:
      'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoicTdvMUNxM3k2eVhoMG1KOFl4M3pWMG03bTNwUWUya3E1WnIwbVJrcTBwRSIsIm9yaWdpbiI6Imh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbSJ9',
  })
  clientDataJSON: string;
  @ApiPropertyOptional({
    description: 'A registration: the attestation object',
    example: 'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjF…',
  })
  attestationObject?: string;
  @ApiPropertyOptional({
    description: 'A sign-in: the authenticator data',
    example: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MdAAAAAQ',
  })
  authenticatorData?: string;
  @ApiPropertyOptional({ description: 'A sign-in: the signature', example: 'MEUCIQDx0c6Zy1o…' })
  signature?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "A sign-in: the passkey's user handle",
    example: 'Xm2n0bQ1o7dWc4lQy8kqZ9tVf3sR6pLh1uJe5aN0wYc',
  })
  userHandle?: string | null;
  @ApiPropertyOptional({ type: [String], description: 'A registration', example: ['internal'] })
  transports?: string[];
}

/** A credential as startRegistration or startAuthentication gives it, sent on as it is. */
export class PublicKeyCredentialDto {
  @ApiProperty({ example: 'Vd0kUq3m1xQ8b9zY5oRr2g' }) id: string;
  @ApiProperty({ example: 'Vd0kUq3m1xQ8b9zY5oRr2g' }) rawId: string;
  @ApiProperty({ example: 'public-key' }) type: string;
  @ApiProperty({ type: AuthenticatorResponseDto }) response: AuthenticatorResponseDto;
  @ApiPropertyOptional({ type: 'object', example: {}, additionalProperties: true })
  clientExtensionResults?: Record<string, unknown>;
  @ApiPropertyOptional({ example: 'platform' }) authenticatorAttachment?: string;
}
