import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type {
  HeaderObject,
  MediaTypeObject,
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { dialectOf } from '../common/dialects/dialects.js';
import { sessionApiStatus, sessionDialect } from '../common/dialects/session.dialect.js';
import { AppConfig } from '../config/app-config.js';

/** What every session-API operation's document says of SESSION_API_HTTP_STATUS. */
export const ORIGINAL_STATUSES =
  'The statuses shown are the default (SESSION_API_HTTP_STATUS=semantic); with SESSION_API_HTTP_STATUS=original every answer but a 429 is HTTP 200, with the same body, as the original server answers.';

/**
 * SESSION_API_HTTP_STATUS=original: every answer of the session API, success or failure, goes
 * out at the status sessionApiStatus gives it. Set as the answer is sent, so that it holds for
 * whatever made it: a handler, a guard, or the platform refusing a body before Nest ran.
 */
@Injectable()
export class SessionApiStatuses implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const mode = this.config.sessionApiHttpStatus;
    // The statuses Nest and the dialect set are the meaningful ones already.
    if (mode === 'semantic') return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (dialectOf(request) === sessionDialect) {
        reply.code(sessionApiStatus(reply.statusCode, mode));
      }
      done(null, payload);
    });
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** Answers that never reach the session dialect: the request timeout and the router's 414. */
const NOT_THE_DIALECTS = new Set(['408', '414']);

/**
 * The document of an instance with SESSION_API_HTTP_STATUS=original: each session-API answer
 * that goes out at 200 there is documented under 200, its bodies together. The shared
 * `POST /auth/login` keeps its other answers too, which its Basic form gives at their statuses.
 */
export function documentOriginalStatuses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation?.tags?.includes('Session API')) foldIntoOk(operation);
    }
  }
  return document;
}

function foldIntoOk(operation: OperationObject): void {
  const shared = operation.tags!.length > 1;
  const schemas = new Map<string, SchemaObject | ReferenceObject>();
  const media = new Map<string, MediaTypeObject>();
  const headers: Record<string, HeaderObject | ReferenceObject> = {};
  const descriptions: string[] = [];
  for (const [status, answer] of Object.entries(operation.responses)) {
    if (status === '429' || NOT_THE_DIALECTS.has(status)) continue;
    const response = answer as ResponseObject;
    descriptions.push(`${status}: ${response.description}`);
    // An answer documented without a body is the platform's, which the dialect words as an envelope.
    const content = response.content ?? {
      'application/json': { schema: { $ref: '#/components/schemas/GenericResponseDto' } },
    };
    for (const [type, entry] of Object.entries(content)) {
      if (type !== 'application/json') media.set(type, entry);
      else if (entry.schema) schemas.set(JSON.stringify(entry.schema), entry.schema);
    }
    // Whichever answer it is, a header it may carry is optional here.
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      headers[name] = { ...header, required: false };
    }
    if (!shared) delete operation.responses[status];
  }
  operation.responses['200'] = {
    description: `SESSION_API_HTTP_STATUS=original: what the default answers at ${descriptions.join('; ')}`,
    headers,
    content: {
      ...Object.fromEntries(media),
      'application/json': { schema: { anyOf: [...schemas.values()] } },
    },
  };
}
