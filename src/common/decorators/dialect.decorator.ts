import { PATH_METADATA } from '@nestjs/common/constants.js';
import { RouteConfig } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { DialectName } from '../dialects/dialects.js';

export interface GatehouseRouteConfig {
  dialect?: DialectName;
}

/**
 * Names the error dialect of every route of a controller. It is kept in the Fastify route config,
 * so that errors raised before Nest sees the request (a body that is not JSON, or too large) are
 * answered in the same dialect as those raised by guards, pipes and handlers.
 */
export function Dialect(dialect: DialectName): ClassDecorator {
  return (target) => {
    const prototype = target.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if (
        typeof descriptor?.value !== 'function' ||
        !Reflect.hasMetadata(PATH_METADATA, descriptor.value)
      ) {
        continue;
      }
      // Beside what the route's own @RouteConfig says (a form body, say), which it would replace.
      const own: object | undefined = Reflect.getMetadata(
        FASTIFY_ROUTE_CONFIG_METADATA,
        descriptor.value,
      );
      RouteConfig({ dialect, ...own } satisfies GatehouseRouteConfig)(prototype, key, descriptor);
    }
  };
}
