import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** One field at fault in a request body: absent, or present with a value of the wrong kind. */
export interface FieldIssue {
  field: string;
  kind: 'missing' | 'invalid';
  /** Every class-validator constraint the value failed, most telling first (`isString` before `maxLength`). */
  constraints: string[];
  message: string;
}

/** Which failed constraint says the most about a value, when it fails several. */
const CONSTRAINT_PRECEDENCE = [
  'isDefined',
  'isString',
  'isBoolean',
  'isInt',
  'isNumber',
  'isNotEmpty',
  'minLength',
];

function precedence(constraint: string): number {
  const index = CONSTRAINT_PRECEDENCE.indexOf(constraint);
  return index === -1 ? CONSTRAINT_PRECEDENCE.length : index;
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
  // A body that is not an object at all fails as a whole, with no property of its own.
  const field = error.property ? `${prefix}${error.property}` : 'body';
  const nested = (error.children ?? []).flatMap((child) => toIssues(child, `${field}.`));
  const failed = Object.entries(error.constraints ?? {}).sort(
    ([a], [b]) => precedence(a) - precedence(b),
  );
  if (failed.length === 0) return nested;
  // JSON's null is a value sent, of the wrong kind: only a field left out is missing.
  const kind = error.value === undefined ? 'missing' : 'invalid';
  const constraints = failed.map(([constraint]) => constraint);
  return [{ field, kind, constraints, message: failed[0][1] }, ...nested];
}
