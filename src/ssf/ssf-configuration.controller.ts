import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { Public } from '../common/decorators/route-access.decorator.js';
import { AppConfig } from '../config/app-config.js';
import { SsfConfigurationDto } from './dto/ssf-configuration.dto.js';
import { POLL, PUSH } from './dto/stream-configuration.dto.js';

/** The metadata changes only with the configuration, which takes a restart. */
const METADATA_MAX_AGE_SECONDS = 3_600;

/** Transmitter configuration metadata (SSF 1.0 §7.1), where receivers look for it. */
@ApiTags('Shared Signals')
@Public()
@Dialect('ssf')
@Controller('.well-known')
export class SsfConfigurationController {
  private readonly metadata: SsfConfigurationDto;

  constructor(config: AppConfig) {
    // From PUBLIC_URL, never from the request's Host, which the caller chooses.
    const base = config.publicUrl;
    this.metadata = {
      spec_version: '1_0',
      issuer: config.jwt.issuer,
      jwks_uri: `${base}/.well-known/jwks.json`,
      delivery_methods_supported: [PUSH, POLL],
      configuration_endpoint: `${base}/ssf/streams`,
      status_endpoint: `${base}/ssf/status`,
      verification_endpoint: `${base}/ssf/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
    };
  }

  @Get('ssf-configuration')
  @Header('Cache-Control', `public, max-age=${METADATA_MAX_AGE_SECONDS}`)
  @ApiOperation({
    summary: 'Shared Signals transmitter metadata (SSF 1.0)',
    description:
      'Where a receiver manages its stream, checks its status and asks for verification, the ' +
      'key set that signs the events, and how they are delivered (push, RFC 8935, or poll, ' +
      'RFC 8936). Receivers are service clients, by their credentials.',
  })
  @ApiOkResponse({ type: SsfConfigurationDto })
  configuration(): SsfConfigurationDto {
    return this.metadata;
  }
}
