import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SecondFactorRequiredException } from '../common/errors/second-factor-required.exception.js';
import { trustedProxies } from '../common/trusted-proxies.js';
import { AppConfig } from '../config/app-config.js';
import {
  type ForwardIdentity,
  ForwardedRequestCheck,
} from '../identity/forwarded-request-check.service.js';
import { type ForwardRules, rulesOf } from './forward-rules.js';
import { isBrowserPageLoad, originalUrl, signinLocation } from './signin-redirect.js';

export type ForwardDecision =
  | { status: 200; identity: ForwardIdentity }
  | { status: 302; location: string }
  | { status: 401; secondFactorRequired?: true }
  | { status: 403 };

/**
 * Forward authentication: who the request a proxy forwards is (ForwardedRequestCheck, the same
 * checks as every other door), and the proxy's rules applied to whom it names.
 */
@Injectable()
export class ForwardAuthService {
  private readonly trusted: (address: string | undefined) => boolean;

  constructor(
    private readonly forwarded: ForwardedRequestCheck,
    private readonly config: AppConfig,
  ) {
    this.trusted = trustedProxies(config.trustProxy);
  }

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
    if (!identity) return this.refused(request, rules);
    return admits(rules, identity) ? { status: 200, identity } : { status: 403 };
  }

  /**
   * No live credential: 401, or with `signin=redirect` a browser's page load goes to the sign-in
   * portal with where it was going as `rd`. Only from a trusted proxy, whose headers say what
   * that was: from anyone else they could name any URL, and the answer is the 401.
   */
  private refused(request: FastifyRequest, rules: ForwardRules): ForwardDecision {
    if (!rules.signinRedirect || !isBrowserPageLoad(request)) return { status: 401 };
    if (!this.trusted(request.socket.remoteAddress)) return { status: 401 };
    const original = originalUrl(request);
    return original === null
      ? { status: 401 }
      : { status: 302, location: signinLocation(this.config.publicUrl, original) };
  }
}

function admits(rules: ForwardRules, identity: ForwardIdentity): boolean {
  if (rules.admin && identity.privilege !== 'admin') return false;
  if (rules.scopes.length === 0) return true;
  const held = new Set(identity.scope.split(' '));
  return rules.scopes.every((scope) => held.has(scope));
}
