import { Injectable, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { ROUTE_ACCESS } from '../common/decorators/route-access.decorator.js';

/** The handlers of `controller` that declare no access, themselves or through their controller. */
export function undeclaredRoutes(controller: Type<unknown>): string[] {
  if (Reflect.hasMetadata(ROUTE_ACCESS, controller)) return [];
  const prototype = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype).filter((key) => {
    const handler = prototype[key];
    return (
      key !== 'constructor' &&
      typeof handler === 'function' &&
      Reflect.hasMetadata(PATH_METADATA, handler) &&
      !Reflect.hasMetadata(ROUTE_ACCESS, handler)
    );
  });
}

/**
 * Closed by default: the app does not start while a route declares no access (@Access, @Public,
 * or a decorator that states one, such as @Authenticated), so that a route added without thought
 * is never served. The access guard comes with the declaration, so a route without one would have
 * no guard: this check is what keeps such a route from ever being served, naming every one.
 */
@Injectable()
export class DeclaredAccessCheck implements OnApplicationBootstrap {
  constructor(private readonly modules: ModulesContainer) {}

  onApplicationBootstrap(): void {
    const undeclared = [...this.modules.values()].flatMap((module) =>
      [...module.controllers.values()].flatMap(({ metatype }) =>
        typeof metatype === 'function'
          ? undeclaredRoutes(metatype as Type<unknown>).map((key) => `${metatype.name}.${key}`)
          : [],
      ),
    );
    if (undeclared.length > 0) {
      throw new Error(`Routes that declare no access rule: ${undeclared.join(', ')}`);
    }
  }
}
