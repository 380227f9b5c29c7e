import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { holdsNul } from './validation/client-text.js';

export const FORM = 'application/x-www-form-urlencoded';

/** The Fastify route config of a route that takes an HTML form body (the OAuth 2.0 endpoints). */
export interface FormRouteConfig {
  form?: boolean;
}

/**
 * `application/x-www-form-urlencoded`, for the routes that say so in their config only: RFC 7662
 * and RFC 7009 clients send nothing else, and every other route keeps refusing any body but JSON.
 * Read whole as a string, so Fastify's body limit holds. A parameter given twice is refused, as
 * RFC 6749 §3.2 says (`invalid_request`), and so is one holding a NUL (client-text.ts); the body
 * becomes an object of strings.
 */
export function acceptFormBodies(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(FORM, { parseAs: 'string' }, (request, body, done) => {
    if (!(request.routeOptions.config as FormRouteConfig | undefined)?.form) {
      return done(new UnsupportedMediaTypeException(`Unsupported Media Type: ${FORM}`), undefined);
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body as string)) {
      if (Object.hasOwn(fields, name) || holdsNul(name) || holdsNul(value)) {
        // RFC 6749 §5.2's shape, which the default dialect passes on as it is.
        return done(new BadRequestException({ error: 'invalid_request' }), undefined);
      }
      fields[name] = value;
    }
    done(null, fields);
  });
}
