import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../account/dto/error-response.dto.js';
import { ApiSessionId } from '../account/signed-in.decorator.js';
import { AdminGuard } from './admin.guard.js';

/** An administration route: an admin, by access JWT or session. */
export function AdminOnly() {
  return applyDecorators(
    UseGuards(AdminGuard),
    ApiBearerAuth('jwt'),
    ApiSessionId(),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'No live access JWT or session',
    }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The caller is not an admin' }),
  );
}
