/** The session API's envelopes (GenericResponse and the responses built on it), and its failures. */
import { HttpException, HttpStatus } from '@nestjs/common';

/** `responseInfo.responseCode` of the session API's envelopes (the original's ResponseCode). */
export type ResponseCode =
  'OK' | 'NOTFOUND' | 'INVALIDDATA' | 'FAILURE' | 'PERMISSION' | 'AUTHREQUIRED';
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

/** A message of the envelope, dated `timestamp` (the Clock's milliseconds). */
export function message(
  type: MessageType,
  text: string,
  timestamp: number,
  fieldName = '',
): SessionApiMessage {
  messageSequence = (messageSequence + 1) % Number.MAX_SAFE_INTEGER;
  return { fieldName, message: text, type, timestamp, id: messageSequence };
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

/**
 * The status each code stands for unless the situation says otherwise (a NOTFOUND at a login is
 * wrong credentials, 401), so that a client that looks only at the status fails closed.
 */
const STATUS_OF: Record<Exclude<ResponseCode, 'OK'>, HttpStatus> = {
  NOTFOUND: HttpStatus.NOT_FOUND,
  INVALIDDATA: HttpStatus.BAD_REQUEST,
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

/** The failures several routes share, in the original's words where it has them. */
export const sessionApiFailures = {
  /** A login that proves no enabled user: wrong credentials, whichever part was wrong. */
  wrongCredentials: () =>
    new SessionApiException(
      'NOTFOUND',
      'Did not find a user with given credentials',
      HttpStatus.UNAUTHORIZED,
    ),
  /** A sid that is not one: not a positive 32-bit number, or without a secret where one is due. */
  invalidSid: () => new SessionApiException('INVALIDDATA', 'Invalid SID given', undefined, 'sid'),
  /** A well-formed sid and secret that name no live session. */
  noSuchSession: () => new SessionApiException('NOTFOUND', 'No such session'),
  /** A route that needs a live session got none: `code` as the route's original answers it. */
  sessionRequired: (code: 'AUTHREQUIRED' | 'FAILURE') =>
    new SessionApiException(
      code,
      'A live session (sid and secret) is required',
      HttpStatus.UNAUTHORIZED,
    ),
};
