import type { Readable } from 'node:stream';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

export const NDJSON = 'application/x-ndjson';

/** The Fastify route config of a route that takes JSON lines (the user import) as its body. */
export interface NdjsonRouteConfig {
  ndjson?: boolean;
}

/**
 * JSON lines, for the one route that says so in its config: the body is handed over as the
 * request's stream, unread, so that the route reads it line by line, with a limit of its own
 * (readAhead). Every other route refuses it, as it refuses any body but JSON.
 */
export function acceptNdjsonBodies(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(NDJSON, (request, payload, done) => {
    if ((request.routeOptions.config as NdjsonRouteConfig | undefined)?.ndjson) {
      return done(null, payload);
    }
    done(new UnsupportedMediaTypeException(`Unsupported Media Type: ${NDJSON}`), undefined);
  });
}

/** The body went past its limit: reading stopped there. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The body is larger than ${maxBytes} bytes`);
  }
}

/**
 * A request body's chunks, read as fast as they arrive rather than as fast as they are used, so
 * that a whole request arrives within REQUEST_TIMEOUT_SECONDS however slowly its lines are
 * written (what is read ahead stays under `maxBytes`). Past `maxBytes`, reading stops and the
 * next chunk asked for throws BodyTooLargeError, ahead of any chunk still waiting: nothing after
 * the limit is known is used.
 */
export async function* readAhead(stream: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  const waiting: Buffer[] = [];
  let received = 0;
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) {
      failure = new BodyTooLargeError(maxBytes);
      stream.pause();
    } else waiting.push(chunk);
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: Error) => {
    failure = error;
    notify();
  };
  stream.on('data', onData).once('end', onEnd).once('error', onError);
  try {
    for (;;) {
      if (failure) throw failure;
      const chunk = waiting.shift();
      if (chunk) yield chunk;
      else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('data', onData).off('end', onEnd).off('error', onError);
  }
}
