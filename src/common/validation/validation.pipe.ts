import { ValidationPipe } from '@nestjs/common';
import { RequestValidationError } from './request-validation.error.js';

/**
 * The one validation pipe: unknown properties are stripped (so `privilege` or `id` in a body are
 * never applied), values are not coerced, an absent body is validated as `{}`, and failures
 * become RequestValidationError for the route's dialect to word.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => RequestValidationError.fromValidationErrors(errors),
  });
}
