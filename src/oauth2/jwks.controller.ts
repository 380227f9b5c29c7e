import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JWKS_MAX_AGE_SECONDS } from '../config/jwks-max-age.js';
import { SigningKeysService } from '../credentials/access-tokens/signing-keys.service.js';
import { Public } from '../common/decorators/route-access.decorator.js';

@ApiTags('Keys')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get('jwks.json')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({
    summary: 'The public keys that verify Gatehouse access tokens (RFC 7517)',
    description:
      'A rotated-in key is here JWT_KEY_ACTIVATION_DELAY (default twice the max-age) before it ' +
      'signs; a key withdrawn by an emergency rotation leaves at once.',
  })
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
