import { ValidationPipe } from '@nestjs/common';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { RequestValidationError } from './request-validation.error.js';
import { compileStringFieldsCheck, type StringFieldsCheck } from './string-fields-check.js';

/**
 * Nest's ValidationPipe, with class-validator's run skipped for an instance that certainly passes
 * (a token check's body: every other service sends one per request). Anything the quick check
 * does not pass is validated in full, so the errors and the stripping are class-validator's own.
 */
class GatehouseValidationPipe extends ValidationPipe {
  private readonly quickChecks = new Map<Function, StringFieldsCheck | null>();

  protected override validate(
    object: object,
    validatorOptions?: ValidatorOptions,
  ): Promise<ValidationError[]> | ValidationError[] {
    if (this.quickCheckOf(object.constructor)?.(object)) return [];
    return super.validate(object, validatorOptions);
  }

  private quickCheckOf(metatype: Function): StringFieldsCheck | null {
    if (!this.quickChecks.has(metatype)) {
      this.quickChecks.set(metatype, compileStringFieldsCheck(metatype as new () => object));
    }
    return this.quickChecks.get(metatype)!;
  }
}

/**
 * The one validation pipe: unknown properties are stripped (so `privilege` or `id` in a body are
 * never applied), values are not coerced, an absent body is validated as `{}`, and failures
 * become RequestValidationError for the route's dialect to word.
 */
export function createValidationPipe(): ValidationPipe {
  return new GatehouseValidationPipe({
    whitelist: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => RequestValidationError.fromValidationErrors(errors),
  });
}
