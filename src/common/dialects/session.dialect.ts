import { HttpStatus, type HttpException } from '@nestjs/common';
import {
  genericResponse,
  message,
  type ResponseCode,
  SessionApiException,
} from './generic-response.js';
import { RequestValidationError } from '../validation/request-validation.error.js';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

function responseCodeFor(status: number): Exclude<ResponseCode, 'OK'> {
  if (status === HttpStatus.UNAUTHORIZED) return 'AUTHREQUIRED';
  if (status === HttpStatus.FORBIDDEN) return 'PERMISSION';
  if (status === HttpStatus.NOT_FOUND) return 'NOTFOUND';
  return 'FAILURE';
}

/**
 * The session API and its password endpoints: the GenericResponse envelope, with the response
 * code matching the status and a CRITICAL message naming the field at fault.
 */
export const sessionDialect: ErrorDialect = {
  reply(error: HttpException) {
    const status = error.getStatus();
    if (error instanceof RequestValidationError) {
      const messages = error.issues.map((issue) => message('CRITICAL', issue.message, issue.field));
      return { status, body: genericResponse('FAILURE', 'Invalid request', { messages }) };
    }
    const code =
      error instanceof SessionApiException ? error.responseCode : responseCodeFor(status);
    const detail = errorMessage(error);
    const fieldName = error instanceof SessionApiException ? error.fieldName : '';
    return {
      status,
      body: genericResponse(code, detail, { messages: [message('CRITICAL', detail, fieldName)] }),
    };
  },
};
