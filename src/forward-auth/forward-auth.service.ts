import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SecondFactorRequiredException } from '../common/errors/second-factor-required.exception.js';
import {
  type ForwardIdentity,
  ForwardedRequestCheck,
} from '../identity/forwarded-request-check.service.js';
import { type ForwardRules, rulesOf } from './forward-rules.js';

export type ForwardDecision =
  | { status: 200; identity: ForwardIdentity }
  | { status: 401; secondFactorRequired?: true }
  | { status: 403 };

/**
 * Forward authentication: who the request a proxy forwards is (ForwardedRequestCheck, the same
 * checks as every other door), and the proxy's rules applied to whom it names.
 */
@Injectable()
export class ForwardAuthService {
  constructor(private readonly forwarded: ForwardedRequestCheck) {}

  /**
   * `viaPath`: asked on `/auth/forward/*`, whose path and query are the original request's: its
   * rules then come from the proxy's header, and its query may name the session's sid.
   */
  async decide(request: FastifyRequest, viaPath: boolean): Promise<ForwardDecision> {
    const rules = rulesOf(request, viaPath);
    let identity: ForwardIdentity | null;
    try {
      identity = await this.forwarded.identify(request, viaPath);
    } catch (error) {
      if (error instanceof SecondFactorRequiredException) {
        return { status: 401, secondFactorRequired: true };
      }
      throw error;
    }
    if (!identity) return { status: 401 };
    return admits(rules, identity) ? { status: 200, identity } : { status: 403 };
  }
}

function admits(rules: ForwardRules, identity: ForwardIdentity): boolean {
  if (rules.admin && identity.privilege !== 'admin') return false;
  if (rules.scopes.length === 0) return true;
  const held = new Set(identity.scope.split(' '));
  return rules.scopes.every((scope) => held.has(scope));
}
