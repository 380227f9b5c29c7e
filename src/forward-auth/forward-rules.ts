import { BadRequestException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { holdsNul } from '../common/validation/client-text.js';

/**
 * The header that carries the rules on `/auth/forward/*`, set by the proxy: there the request's
 * own path and query are the app's (Envoy appends them), and an app's query must never be able to
 * name, drop or misspell a rule.
 */
export const RULES_HEADER = 'x-gatehouse-rules';

/** What the proxy asked for: a privilege, scopes, and whether browsers go to the sign-in page. */
export interface ForwardRules {
  admin: boolean;
  scopes: string[];
  /** `signin=redirect`: a browser without a live credential is sent to the portal (302). */
  signinRedirect: boolean;
}

/** The rules of a forward request: its own query on `/auth/forward`, RULES_HEADER on `/auth/forward/*`. */
export function rulesOf(request: FastifyRequest, viaPath: boolean): ForwardRules {
  if (!viaPath) {
    const query = request.url.indexOf('?');
    return parseRules(query < 0 ? '' : request.url.slice(query + 1));
  }
  const header = request.headers[RULES_HEADER];
  return parseRules(typeof header === 'string' ? header : '');
}

/**
 * Rules written as a query string: `privilege=admin` (admins only) or `privilege=user` (anyone
 * signed in, the default), at most once; `scope=` as often as wanted, each a scope the credential
 * must hold; `signin=redirect`, at most once. Anything else is a 400, never ignored: a misspelt
 * rule (`privilge`, `Privilege`, `privilege[]`) that was ignored would open an admins-only
 * location to everyone.
 */
export function parseRules(text: string): ForwardRules {
  let privilege: string | undefined;
  let signin: string | undefined;
  const scopes: string[] = [];
  for (const [name, value] of new URLSearchParams(text)) {
    if (name === 'signin') {
      if (signin !== undefined) throw new BadRequestException('signin must be given once');
      if (value !== 'redirect') throw new BadRequestException('signin must be redirect');
      signin = value;
    } else if (name === 'privilege') {
      if (privilege !== undefined) throw new BadRequestException('privilege must be given once');
      if (value !== 'admin' && value !== 'user')
        throw new BadRequestException('privilege must be admin or user');
      privilege = value;
    } else if (name === 'scope') {
      if (!/^\S+$/.test(value) || holdsNul(value))
        throw new BadRequestException('each scope must be one scope, without spaces');
      scopes.push(value);
    } else {
      throw new BadRequestException(
        `${JSON.stringify(name.slice(0, 64))} is not a rule: the rules are privilege, scope and signin`,
      );
    }
  }
  return { admin: privilege === 'admin', scopes, signinRedirect: signin === 'redirect' };
}
