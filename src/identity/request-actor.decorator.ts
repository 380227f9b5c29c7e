import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { CallerRequest } from './access-checks.service.js';
import type { Caller } from './token-check.service.js';

/** Who made a change, as the audit trail records them. */
export interface RequestActor {
  caller: Caller;
  address: string | null;
  agent: string | null;
}

/** The caller AccessGuard authenticated for the route, with the client they called from. */
export const Actor = createParamDecorator((_: unknown, context: ExecutionContext): RequestActor => {
  const request = context.switchToHttp().getRequest<CallerRequest>();
  return {
    caller: request.caller!,
    address: request.ip ?? null,
    agent: request.headers['user-agent'] ?? null,
  };
});

/** The audit fields that say where a user acting on their own account called from. */
export function clientFields(actor: RequestActor) {
  return { address: actor.address, agent: actor.agent };
}

/** The audit fields that say who acted on someone else's account, from where. */
export function actorFields(actor: RequestActor) {
  return { actorId: actor.caller.user.id, ...clientFields(actor) };
}
