import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { holdsNul } from './validation/client-text.js';

export const FORM = 'application/x-www-form-urlencoded';

/** The Fastify route config of a route that takes an HTML form body. */
export interface FormRouteConfig {
  form?: boolean;
}

/**
 * A form refused: RFC 6749 §5.2's shape, which the default dialect of the OAuth 2.0 routes passes
 * on as it is, and a message naming the field for the dialects that word one (REST-auth's).
 */
class FormRefusedException extends BadRequestException {
  constructor(message: string) {
    super({ error: 'invalid_request' });
    this.message = message;
  }
}

/**
 * `application/x-www-form-urlencoded`, for the routes that say so in their config only (the OAuth
 * 2.0 endpoints, whose clients send nothing else, and REST-auth's registration, whose original
 * reads the form before the JSON); every other route keeps refusing any body but JSON. Read whole
 * as a string, so Fastify's body limit holds. A parameter given twice is refused, as RFC 6749
 * §3.2 says (`invalid_request`), and so is one holding a NUL (client-text.ts); the body becomes an
 * object of strings, which the route validates as it does a JSON body.
 */
export function acceptFormBodies(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(FORM, { parseAs: 'string' }, (request, body, done) => {
    if (!(request.routeOptions.config as FormRouteConfig | undefined)?.form) {
      return done(new UnsupportedMediaTypeException(`Unsupported Media Type: ${FORM}`), undefined);
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body as string)) {
      if (Object.hasOwn(fields, name)) {
        return done(new FormRefusedException(`${name} is given more than once`), undefined);
      }
      if (holdsNul(name) || holdsNul(value)) {
        return done(
          new FormRefusedException('Request body must not contain NUL characters'),
          undefined,
        );
      }
      fields[name] = value;
    }
    done(null, fields);
  });
}
