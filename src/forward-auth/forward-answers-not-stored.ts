import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** The forward-auth routes, as Fastify names them. */
const FORWARD_ROUTES = new Set(['/auth/forward', '/auth/forward/*']);

/**
 * Every answer of forward authentication is about one request at one moment, so no proxy or
 * browser may keep it: `Cache-Control: no-store` is set as the request arrives, before anything
 * can answer it, so that it holds for a 200, 401 and 403 and for whatever else does (a bad rule,
 * a lock, a database out of reach, a body refused before the route runs).
 */
@Injectable()
export class ForwardAnswersNotStored implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      if (FORWARD_ROUTES.has(request.routeOptions.url ?? ''))
        reply.header('cache-control', 'no-store');
      done();
    });
  }
}
