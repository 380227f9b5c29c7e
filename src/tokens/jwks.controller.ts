import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SigningKeysService } from './signing-keys.service.js';

@ApiTags('Keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'The public keys that verify Gatehouse access tokens (RFC 7517)' })
  @ApiOkResponse({
    schema: {
      example: {
        keys: [{ kty: 'RSA', n: '0vx7…', e: 'AQAB', kid: 'NzbLsXh8…', alg: 'RS256', use: 'sig' }],
      },
    },
  })
  jwks() {
    return this.keys.publicJwks();
  }
}
