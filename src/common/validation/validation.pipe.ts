import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { nulIn } from './client-text.js';
import { RequestValidationError } from './request-validation.error.js';
import { compileStringFieldsCheck, type StringFieldsCheck } from './string-fields-check.js';

/**
 * Nest's ValidationPipe, with a quick way through for a JSON body that certainly passes (a token
 * check's: every other service sends one per request): built into its class as the pipe would,
 * and checked with the class's own rules, without class-validator's run. Anything the quick check
 * does not pass goes through the pipe in full, so errors and stripping are class-validator's own.
 */
class GatehouseValidationPipe extends ValidationPipe {
  private readonly quickChecks = new Map<Function, StringFieldsCheck | null>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Bodies are refused as they are parsed; a query reaches a route only through here. Path
    // parameters are each read by their own pattern, which no NUL passes (ids, sids, client ids),
    // from the text as it came: the pipe's conversion of a `number` parameter would hand them
    // '1e3' as 1000 and '0x10' as 16.
    if (metadata.type === 'param') return value;
    if (metadata.type === 'query') refuseNul(value, metadata);
    const check =
      metadata.type === 'body' && metadata.metatype && isPlainObject(value)
        ? this.quickCheckOf(metadata.metatype)
        : null;
    // Checked as it came first: only then is it known to be flat strings, which class-transformer
    // takes safely (the full pipe strips keys such as `constructor` before transforming).
    if (check?.(value as object)) {
      const instance = plainToInstance(metadata.metatype!, value, this.transformOptions) as object;
      if (check(instance)) return instance;
    }
    return super.transform(value, metadata);
  }

  private quickCheckOf(metatype: Function): StringFieldsCheck | null {
    if (!this.quickChecks.has(metatype)) {
      this.quickChecks.set(metatype, compileStringFieldsCheck(metatype as new () => object));
    }
    return this.quickChecks.get(metatype)!;
  }
}

/** An object as a JSON or form body parses to: made by a literal, or with no prototype at all. */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** A query value (or name) holding a NUL, as a 400 naming it, in the route's dialect. */
function refuseNul(value: unknown, metadata: ArgumentMetadata): void {
  const field = nulIn(value, metadata.data ?? 'query');
  if (field === null) return;
  const message = `${field} must not contain NUL characters`;
  throw new RequestValidationError([{ field, kind: 'invalid', constraints: ['noNul'], message }]);
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
