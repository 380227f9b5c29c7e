import { HttpStatus, type HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { type FieldIssue, RequestValidationError } from '../validation/request-validation.error.js';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

const REQUIRED_FIELDS_MISSING = 'Required fields were not provided...';
const FIELDS_INVALID = 'One or more request fields are invalid...';

/** The words the JWT API's document uses for each kind of bad field. */
function describeInvalid({ field, constraints: [constraint] }: FieldIssue): string {
  if (constraint === 'isString') return `${field} must be a string!`;
  if (constraint === 'minLength' || constraint === 'isNotEmpty') {
    return `${field} must have at least one character!`;
  }
  return `${field} is invalid!`;
}

function describeValidation(issues: FieldIssue[]): { message: string; description: string } {
  const missing = issues.filter((issue) => issue.kind === 'missing').map((issue) => issue.field);
  if (missing.length > 0) {
    const verb = missing.length > 1 ? 'are' : 'is';
    return {
      message: REQUIRED_FIELDS_MISSING,
      description: `${missing.join(', ')} ${verb} required!`,
    };
  }
  return { message: FIELDS_INVALID, description: issues.map(describeInvalid).join(' ') };
}

/**
 * The JWT API (`POST /v1/auth`): `{code, message, description}` in its document's words; the
 * one place those words are chosen.
 */
export const jwtDialect: ErrorDialect = {
  reply(error: HttpException) {
    const status = error.getStatus();
    if (error instanceof RequestValidationError) {
      return { status, body: { code: status, ...describeValidation(error.issues) } };
    }
    if (status === HttpStatus.UNAUTHORIZED) {
      return {
        status,
        body: {
          code: status,
          message: 'Invalid credentials...',
          description: 'username or password is incorrect!',
        },
      };
    }
    const message =
      status === HttpStatus.BAD_REQUEST ? FIELDS_INVALID : `${STATUS_CODES[status] ?? 'Error'}...`;
    return { status, body: { code: status, message, description: errorMessage(error) } };
  },
};
