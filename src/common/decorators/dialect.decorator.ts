import { PATH_METADATA } from '@nestjs/common/constants.js';
import { RouteConfig } from '@nestjs/platform-fastify';
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
      RouteConfig({ dialect } satisfies GatehouseRouteConfig)(prototype, key, descriptor);
    }
  };
}
