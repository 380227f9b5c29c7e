import { actorFields, type RequestActor } from './request-actor.decorator.js';

/**
 * The operator at the command line: no user of Gatehouse and no address, since access to the host
 * and its database is the authority there.
 */
export interface CommandLine {
  readonly commandLine: true;
}

export const COMMAND_LINE: CommandLine = { commandLine: true };

/**
 * Who changes another user's account: an admin through the admin API (the request's caller, from
 * their client), or the operator at the command line. Both go through the same services and
 * rules; only the audit tells them apart.
 */
export type AdminActor = RequestActor | CommandLine;

/** The acting admin's own user id; none at the command line. */
export function adminIdOf(actor: AdminActor): number | null {
  return 'caller' in actor ? actor.caller.user.id : null;
}

/** The audit fields of a change to another user's account: the door, who, and from where. */
export function adminChangeFields(actor: AdminActor) {
  return 'caller' in actor ? { api: 'admin', ...actorFields(actor) } : { api: 'cli' };
}
