import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** One field at fault in a request body: absent, or present with a value of the wrong kind. */
export interface FieldIssue {
  field: string;
  kind: 'missing' | 'invalid';
  /** The class-validator constraint that failed first, e.g. `isString`, `minLength`. */
  constraint: string;
  message: string;
}

/** A body that failed its DTO; each API's dialect words it in its own way. */
export class RequestValidationError extends BadRequestException {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((issue) => issue.message).join('; ') || 'Request body is invalid');
  }

  static fromValidationErrors(errors: ValidationError[], prefix = ''): RequestValidationError {
    return new RequestValidationError(errors.flatMap((error) => toIssues(error, prefix)));
  }
}

function toIssues(error: ValidationError, prefix: string): FieldIssue[] {
  const field = `${prefix}${error.property}`;
  const nested = (error.children ?? []).flatMap((child) => toIssues(child, `${field}.`));
  const [constraint, message] = Object.entries(error.constraints ?? {})[0] ?? [];
  if (!constraint) return nested;
  const kind = error.value === undefined || error.value === null ? 'missing' : 'invalid';
  return [{ field, kind, constraint, message: message ?? `${field} is invalid` }, ...nested];
}
