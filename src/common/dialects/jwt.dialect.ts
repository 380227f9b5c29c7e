import { HttpStatus, type HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { PasskeyRefusedException } from '../errors/passkey-refused.exception.js';
import { SecondFactorRequiredException } from '../errors/second-factor-required.exception.js';
import { type FieldIssue, RequestValidationError } from '../validation/request-validation.error.js';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

/** The words of OCARIoT's account service, whose `POST /v1/auth` this API is. */
export const JWT_API_WORDS = {
  requiredFields: 'Required fields were not provided...',
  invalidFields: 'One or more request fields are invalid...',
  unparsableBody: 'Unable to process request body!',
  unparsableBodyDescription:
    'Please verify that the JSON provided in the request body has a valid format and try again.',
  wrongCredentials: 'Invalid username or password!',
  secondFactorRequired: 'A second factor is required!',
  /** Gatehouse's own: the passkey sign-in that issues this API's tokens. */
  passkeyRefused: 'Invalid passkey!',
} as const;

/** Fastify's code for a JSON body that does not parse (the cause Nest keeps on its 400). */
const UNPARSABLE_JSON = 'FST_ERR_CTP_INVALID_JSON_BODY';

/** The words the JWT API's document uses for each kind of bad field. */
function describeInvalid({ field, constraints: [constraint] }: FieldIssue): string {
  // null fails isDefined before isString: OCARIoT calls it not a string, as any other non-string.
  if (constraint === 'isDefined' || constraint === 'isString') return `${field} must be a string!`;
  if (constraint === 'minLength') return `${field} must have at least one character!`;
  return `${field} is invalid!`;
}

/**
 * In the order of OCARIoT's AuthValidator: each field in turn, the first present but bad one
 * answering alone; only when none is bad, the absent ones, all together ("are" even for one).
 */
function describeValidation(issues: FieldIssue[]): { message: string; description: string } {
  const invalid = issues.find((issue) => issue.kind === 'invalid');
  if (invalid)
    return { message: JWT_API_WORDS.invalidFields, description: describeInvalid(invalid) };
  const missing = issues.map((issue) => issue.field);
  return {
    message: JWT_API_WORDS.requiredFields,
    description: `${missing.join(', ')} are required!`,
  };
}

/**
 * The JWT API (`POST /v1/auth`, and the passkey sign-in that issues its tokens): `{code, message,
 * description}` in its document's words, and OCARIoT's `{code, message}` for wrong credentials
 * (a refused passkey alike); the one place those words are chosen.
 */
export const jwtDialect: ErrorDialect = {
  reply(error: HttpException) {
    const status = error.getStatus();
    if (error instanceof RequestValidationError) {
      return { status, body: { code: status, ...describeValidation(error.issues) } };
    }
    if ((error.cause as { code?: unknown } | undefined)?.code === UNPARSABLE_JSON) {
      return {
        status,
        body: {
          code: status,
          message: JWT_API_WORDS.unparsableBody,
          description: JWT_API_WORDS.unparsableBodyDescription,
        },
      };
    }
    if (error instanceof SecondFactorRequiredException) {
      return {
        status,
        body: {
          code: status,
          message: JWT_API_WORDS.secondFactorRequired,
          description: `Send the TOTP or recovery code of the account in ${error.codeField}.`,
        },
      };
    }
    if (error instanceof PasskeyRefusedException) {
      return { status, body: { code: status, message: JWT_API_WORDS.passkeyRefused } };
    }
    if (status === HttpStatus.UNAUTHORIZED) {
      return { status, body: { code: status, message: JWT_API_WORDS.wrongCredentials } };
    }
    const message =
      status === HttpStatus.BAD_REQUEST
        ? JWT_API_WORDS.invalidFields
        : `${STATUS_CODES[status] ?? 'Error'}...`;
    return { status, body: { code: status, message, description: errorMessage(error) } };
  },
};
