import { ApiProperty } from '@nestjs/swagger';
import type { DeliveryMethod } from '../../security-events/entities/ssf-stream.entity.js';

export class AuthorizationSchemeDto {
  @ApiProperty({ example: 'urn:ietf:rfc:6749' }) spec_urn: string;
}

/** The transmitter's metadata (SSF 1.0 §7.1). */
export class SsfConfigurationDto {
  @ApiProperty({ example: '1_0' }) spec_version: string;
  @ApiProperty({
    example: 'https://auth.example.com',
    description: 'JWT_ISSUER: the `iss` of every SET',
  })
  issuer: string;

  @ApiProperty({ example: 'https://auth.example.com/.well-known/jwks.json' }) jwks_uri: string;

  @ApiProperty({ type: [String], example: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'] })
  delivery_methods_supported: DeliveryMethod[];

  @ApiProperty({ example: 'https://auth.example.com/ssf/streams' }) configuration_endpoint: string;
  @ApiProperty({ example: 'https://auth.example.com/ssf/status' }) status_endpoint: string;
  @ApiProperty({ example: 'https://auth.example.com/ssf/verify' }) verification_endpoint: string;

  @ApiProperty({
    type: [AuthorizationSchemeDto],
    description: 'OAuth 2.0: a service client’s credentials',
  })
  authorization_schemes: AuthorizationSchemeDto[];

  @ApiProperty({ example: 'ALL', description: 'A new stream carries the events of every user' })
  default_subjects: string;
}
