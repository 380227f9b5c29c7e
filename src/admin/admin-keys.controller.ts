import { Controller, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { Actor, type RequestActor } from '../identity/request-actor.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { AdminKeysService } from './admin-keys.service.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { RotatedKeyDto } from './dto/admin-credentials.dto.js';

@ApiTags('Administration')
@Dialect('default')
@Authenticated('admin')
@Controller('api/admin/keys')
export class AdminKeysController {
  constructor(private readonly keys: AdminKeysService) {}

  @Post('rotate')
  @ApiOperation({
    summary: 'Rotate the JWT signing key',
    description:
      'A new RS256 key signs from now on (on other instances within a minute); the old keys ' +
      'keep verifying what they signed and stay in /.well-known/jwks.json.',
  })
  @ApiCreatedResponse({ type: RotatedKeyDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The signing key comes from configuration and is rotated there',
  })
  rotate(@Actor() actor: RequestActor): Promise<RotatedKeyDto> {
    return this.keys.rotate(actor);
  }
}
