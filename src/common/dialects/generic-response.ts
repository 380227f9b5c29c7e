/** The session API's envelopes (GenericResponse and the responses built on it), and its failures. */
import { HttpException, HttpStatus } from '@nestjs/common';

/** `responseInfo.responseCode` of the session API's envelopes. */
export type ResponseCode = 'OK' | 'NOTFOUND' | 'FAILURE' | 'PERMISSION' | 'AUTHREQUIRED';
export type MessageType = 'SUCCESS' | 'INFO' | 'WARNING' | 'CRITICAL' | 'NEUTRAL';

export interface SessionApiMessage {
  fieldName: string;
  message: string;
  type: MessageType;
  timestamp: number;
  id: number;
}

export interface GenericResponse {
  messages: SessionApiMessage[];
  responseInfo: { responseCode: ResponseCode; responseMessage: string; property: string };
}

let messageSequence = 0;

export function message(type: MessageType, text: string, fieldName = ''): SessionApiMessage {
  messageSequence = (messageSequence + 1) % Number.MAX_SAFE_INTEGER;
  return { fieldName, message: text, type, timestamp: Date.now(), id: messageSequence };
}

/** The GenericResponse envelope every answer of the session API is built on. */
export function genericResponse(
  responseCode: ResponseCode,
  responseMessage: string,
  options: { property?: string; messages?: SessionApiMessage[] } = {},
): GenericResponse {
  return {
    messages: options.messages ?? [],
    responseInfo: { responseCode, responseMessage, property: options.property ?? '' },
  };
}

const STATUS_OF: Record<Exclude<ResponseCode, 'OK'>, HttpStatus> = {
  NOTFOUND: HttpStatus.NOT_FOUND,
  FAILURE: HttpStatus.BAD_REQUEST,
  PERMISSION: HttpStatus.FORBIDDEN,
  AUTHREQUIRED: HttpStatus.UNAUTHORIZED,
};

/** A session-API failure with its response code; the status follows from it unless given. */
export class SessionApiException extends HttpException {
  constructor(
    readonly responseCode: Exclude<ResponseCode, 'OK'>,
    readonly detail: string,
    status: HttpStatus = STATUS_OF[responseCode],
    readonly fieldName = '',
  ) {
    super(detail, status);
  }
}
