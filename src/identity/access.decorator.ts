import { SetMetadata } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import {
  isOpen,
  ROUTE_ACCESS,
  type RouteAccess,
} from '../common/decorators/route-access.decorator.js';
import { AccessGuard } from './access.guard.js';

/**
 * States a route's (or a controller's) access: the credentials it takes and who may call it.
 * Every route states one (this, `@Public`, or a decorator that states one, such as
 * `@Authenticated`): the app does not start while a route does not (DeclaredAccessCheck). Unless
 * the route lets every request through, AccessGuard goes on it, ahead of the guards the route has
 * already and of those stated above this, so that what the declaration says comes first.
 */
export function Access(access: RouteAccess): ClassDecorator & MethodDecorator {
  const declare = SetMetadata(ROUTE_ACCESS, access);
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) declare(target, key!, descriptor);
    else declare(target as Function);
    if (isOpen(access) && !access.before?.length) return;
    const holder = descriptor ? (descriptor.value as object) : target;
    const guards = (Reflect.getMetadata(GUARDS_METADATA, holder) as unknown[] | undefined) ?? [];
    Reflect.defineMetadata(GUARDS_METADATA, [AccessGuard, ...guards], holder);
  };
}
