import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import type { FastifyCorsOptions } from '@fastify/cors';
import { BadRequestException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { NestLogger } from './common/logging/nest-logger.js';
import { RequestLogController } from './common/logging/request-log-controller.js';
import { acceptFormBodies } from './common/form-body.js';
import { optionsStatusOf } from './common/dialects/dialects.js';
import { acceptNdjsonBodies } from './common/ndjson-body.js';
import { createRootLogger, nestLoggerParams, requestIdOf } from './common/logging/root-logger.js';
import { jsonBodyProblem } from './common/validation/json-body-shape.js';
import type { AppConfig } from './config/app-config.js';
import { MetricsService } from './metrics/metrics.service.js';
import { setUpOpenApi } from './openapi.js';

export const BODY_LIMIT_BYTES = 100 * 1024;

/** Builds the whole application, ready to listen: the same for `npm start` and for the tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config.logLevel);
  const requestLog = new RequestLogController();
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: requestLog,
    genReqId: requestIdOf,
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
    ...requestTimeoutOptions(config.requestTimeoutMs),
  });
  const loggerParams = nestLoggerParams(logger);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    // Nest logs through the same pino from its first line, rather than buffering until the app
    // is built: a start that fails (a database out of reach) still says why, in the one format.
    logger: new NestLogger(new PinoLogger(loggerParams), loggerParams),
    // A failed start throws to the caller (main.ts prints why), rather than exiting the process.
    abortOnError: false,
  });
  requestLog.observeDurationsWith(app.get(MetricsService));
  const fastify = app.getHttpAdapter().getInstance();
  const answerOptions = answerOptionsOnEveryPath(fastify);
  acceptOnlyJsonBodies(fastify);
  acceptNdjsonBodies(fastify);
  acceptFormBodies(fastify);
  if (config.corsOrigins.length > 0) app.enableCors(corsOptions(config.corsOrigins));

  sendSecurityHeaders(fastify);
  await app.register(fastifyCookie);
  setUpOpenApi(app);
  await app.init();
  answerOptions();
  await fastify.ready();
  return app;
}

/**
 * A whole request, headers and body, must arrive within `timeoutMs`, or node answers 408 (through
 * Fastify's client error handler) and closes the connection: a client sending its body a byte at
 * a time cannot hold a connection. Fastify sets the timeout on the server it makes; node's own
 * option is given too so that its headers timeout defaults to no more than it. Node looks for
 * late requests every `connectionsCheckingInterval` (30 s by default, as long as the default
 * timeout): a tenth of the timeout cuts a slow request within 110% of it.
 */
function requestTimeoutOptions(timeoutMs: number) {
  return {
    requestTimeout: timeoutMs,
    http: { requestTimeout: timeoutMs, connectionsCheckingInterval: timeoutMs / 10 },
  };
}

/**
 * CORS for the named origins only: a request from any other origin gets no CORS header at all
 * (credentials included), as if CORS were off. A preflight goes on to the path's OPTIONS answer,
 * which adds `Allow`; a plain OPTIONS from a named origin is answered the same way rather than
 * refused as a malformed preflight.
 */
function corsOptions(origins: string[]): FastifyCorsOptions {
  const named = new Set(origins);
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && named.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    preflightContinue: true,
    strictPreflight: false,
  };
}

/**
 * OPTIONS on every path that has routes answers with `Allow` naming its methods, before any guard
 * runs, so that it is never a challenge nor a 404 (RFC 9110 §9.3.7): 204, or the status its API's
 * original answers (optionsStatusOf). The routes are collected as they are registered; the
 * returned function adds the OPTIONS routes, once Nest has registered its own and before the
 * server is ready.
 */
function answerOptionsOnEveryPath(fastify: FastifyInstance): () => void {
  const methodsByPath = new Map<string, Set<string>>();
  const statusByPath = new Map<string, number>();
  fastify.addHook('onRoute', (route) => {
    const methods = methodsByPath.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    methodsByPath.set(route.url, methods);
    statusByPath.set(route.url, optionsStatusOf(route.config));
  });
  return () => {
    for (const [path, methods] of methodsByPath) {
      if (methods.has('OPTIONS')) continue;
      const allow = [...methods, 'OPTIONS'].join(', ');
      const status = statusByPath.get(path)!;
      fastify.options(path, (_request, reply) => {
        reply.code(status).header('Allow', allow).send();
      });
    }
  };
}

/** helmet as the app configures it: the same for every response, whatever the request. */
export function securityHeadersMiddleware(): ReturnType<typeof helmet> {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
  });
}

/**
 * helmet's headers on every response, errors included. With these options they depend on nothing
 * in the request, so helmet sets them once, at start, on a response of node's own, and each
 * response gets the same headers in one go: helmet's middleware on each request (twelve validated
 * setHeader calls) cost a token check a tenth of its time. A test holds these headers to helmet's
 * on requests of every kind, so that a helmet that comes to read the request fails it.
 */
function sendSecurityHeaders(fastify: FastifyInstance): void {
  const headers = headersSetBy(securityHeadersMiddleware());
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/** The headers a middleware that depends on no request sets on a response. */
function headersSetBy(middleware: ReturnType<typeof helmet>): Record<string, string> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  let done = false;
  middleware(request, response, (error) => {
    if (error) throw error;
    done = true;
  });
  if (!done) throw new Error('the security headers middleware did not finish at once');
  return Object.fromEntries(
    Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]),
  );
}

/**
 * JSON is the only body any route takes (but the user import, which takes JSON lines:
 * acceptNdjsonBodies); a JSON content type with no body counts as no body, and a body too deep
 * or holding NUL is refused as a bad request in the route's dialect.
 */
function acceptOnlyJsonBodies(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    void parseJson(request, body as string, (error, parsed) => {
      const problem = error ? null : jsonBodyProblem(parsed);
      if (problem) return done(new BadRequestException(problem), undefined);
      done(error, parsed);
    });
  });
}
