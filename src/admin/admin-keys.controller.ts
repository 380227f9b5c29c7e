import { Controller, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { Actor, type RequestActor } from '../identity/request-actor.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { AdminKeysService } from './admin-keys.service.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { RotatedKeyDto, RotateKeyQueryDto } from './dto/admin-credentials.dto.js';

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
      'A new RS256 key is published in /.well-known/jwks.json at once and signs, on every ' +
      'instance, from `activatesAt` (JWT_KEY_ACTIVATION_DELAY later); the old keys keep ' +
      'verifying what they signed. With `now=true` (an emergency) it signs at once and every ' +
      'other key is withdrawn: unpublished, and no token it signed validates any more.',
  })
  @ApiCreatedResponse({ type: RotatedKeyDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The signing key comes from configuration and is rotated there',
  })
  rotate(@Actor() actor: RequestActor, @Query() query: RotateKeyQueryDto): Promise<RotatedKeyDto> {
    return this.keys.rotate(actor, query.now ?? false);
  }
}
