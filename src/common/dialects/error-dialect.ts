import type { HttpException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** What an error becomes on the wire in one API's own words. */
export interface ErrorReply {
  status: number;
  body: string | object;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One source API's way of answering errors, as its document shows. */
export interface ErrorDialect {
  /** `nowMs`: the Clock's time, for the answers that carry one. */
  reply(error: HttpException, request: FastifyRequest, nowMs: number): ErrorReply;
  /** The status of `OPTIONS` on the API's paths where its original answers other than 204. */
  optionsStatus?: number;
}

export function errorMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}
