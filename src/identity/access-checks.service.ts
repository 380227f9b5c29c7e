import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { hasBasicAuthorization } from '../common/basic-authorization.js';
import {
  type BeforeCredential,
  type CredentialStrategy,
  isOpen,
  ROUTE_ACCESS,
  type RouteAccess,
  type SessionAccess,
  type SessionMiss,
} from '../common/decorators/route-access.decorator.js';
import { AcceptsJsonGuard } from '../common/guards/accepts-json.guard.js';
import { AppConfig } from '../config/app-config.js';
import type { EpochSnapshot } from '../credentials/liveness/credential-state-cache.js';
import { LivenessService } from '../credentials/liveness/liveness.service.js';
import type { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import { ServiceClientsService } from '../credentials/service-clients/service-clients.service.js';
import { ClientTokensService } from '../credentials/service-clients/client-tokens.service.js';
import type { User } from '../user-store/entities/user.entity.js';
import { AddressLimitGuard } from './address-limit.guard.js';
import { LoginLimiter } from './login-limiter.service.js';
import { basicCredentials, bearerToken, callerCredential } from './request-credentials.js';
import { type Caller, TokenCheckService } from './token-check.service.js';

/**
 * The request of an administration or self-service route once its caller is known:
 * `request.user` is the user (what @CurrentUser() reads), `request.caller` the user with the
 * credential used (what @Actor() reads).
 */
export type CallerRequest = FastifyRequest & { user?: Caller['user']; caller?: Caller };

/**
 * The request of a route whose rule is a service client's, with the client it authenticated and,
 * for introspection, the credential epoch it read doing so, for the check that follows to share.
 */
export type ClientRequest = FastifyRequest & {
  serviceClient?: ServiceClient;
  snapshot?: EpochSnapshot;
};

/** One route's access, as the guard runs it on each request. */
type Check = (context: ExecutionContext) => boolean | Promise<boolean>;

const OPEN: Check = () => true;

const CALLER_REQUIRED =
  'A live access JWT (Bearer), user token (Bearer) or session (X-Session-Id or sid, and the session cookie) is required';

/** The Passport strategy of each source a session API route reads its session from. */
const SESSION_STRATEGIES: Record<SessionAccess['source'], string> = {
  'path-or-query': 'session',
  'validate-path': 'session-in-validate-path',
};

/**
 * What AccessGuard, the app's one guard of access, does on each request it guards: it reads the
 * route's declaration (its handler's, else its controller's) and does what it says: which
 * credentials the route takes, by which check, who may call it, and how the route's API answers a
 * refusal. Each declaration is turned into its check once per route.
 *
 * Each credential is judged by the one check of its kind: the callers of administration and
 * self-service routes by TokenCheckService, the APIs whose documents name a scheme of their own
 * by their Passport strategy (each an adapter over the same checks), service clients by
 * ServiceClientsService. What a route counts or checks before its credential (a per-address
 * limit, the Accept header) runs here first, so that it still comes before the credential.
 */
@Injectable()
export class AccessChecks {
  /** Per handler, then per controller: an inherited handler takes its controller's declaration. */
  private readonly checks = new WeakMap<object, WeakMap<object, Check>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly tokenCheck: TokenCheckService,
    private readonly clients: ServiceClientsService,
    private readonly clientTokens: ClientTokensService,
    private readonly liveness: LivenessService,
    private readonly limiter: LoginLimiter,
  ) {}

  check(context: ExecutionContext): boolean | Promise<boolean> {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.checks.get(handler);
    let check = byController?.get(controller);
    if (check === undefined) {
      // The guard is only on routes that declare their access (it comes with the declaration).
      check = this.checkOf(
        this.reflector.getAllAndOverride<RouteAccess>(ROUTE_ACCESS, [handler, controller]),
      );
      if (!byController) this.checks.set(handler, (byController = new WeakMap()));
      byController.set(controller, check);
    }
    return check(context);
  }

  private checkOf(access: RouteAccess): Check {
    const credential = this.credentialCheckOf(access);
    const before = (access.before ?? []).map((step) => this.beforeCredential(step));
    if (before.length === 0) return credential;
    return async (context) => {
      for (const step of before) await step.canActivate(context);
      return credential(context);
    };
  }

  private credentialCheckOf(access: RouteAccess): Check {
    const refused = access.refused ?? (() => new UnauthorizedException());
    if (isOpen(access)) return OPEN;
    switch (access.rule) {
      case 'service-client':
        return this.serviceClient(refused, access.accepts.includes('client-token'));
      case 'service-client-or-token':
        return this.serviceClientOrToken(refused);
      case 'registration':
        return this.registration(this.passport(access.strategy ?? 'basic-or-token'));
      case 'admin':
        return this.caller({ admin: true, userToken: access.accepts.includes('user-token') });
      default:
        if (access.session) return this.sessionApi(access.session);
        if (access.strategy) return this.passport(access.strategy);
        return this.caller({ admin: false, userToken: access.accepts.includes('user-token') });
    }
  }

  private beforeCredential(step: BeforeCredential): CanActivate {
    if (step === 'accepts-json') return new AcceptsJsonGuard();
    const CountsAgainstLimit = AddressLimitGuard('password-ops') as Type<CanActivate> &
      (new (limiter: LoginLimiter) => CanActivate);
    return new CountsAgainstLimit(this.limiter);
  }

  /**
   * Administration and self-service: the caller's access JWT, user token (where the route takes
   * one) or session, checked by the one token check. The privilege is the user's as stored now,
   * so a demoted admin stops at once.
   */
  private caller({ admin, userToken }: { admin: boolean; userToken: boolean }): Check {
    return async (context) => {
      const request = context.switchToHttp().getRequest<CallerRequest>();
      const credential = callerCredential(
        request,
        request.cookies?.[this.config.sessions.cookieName],
      );
      const caller = await this.tokenCheck.caller(credential, {
        userToken,
      });
      if (!caller) throw new UnauthorizedException(CALLER_REQUIRED);
      request.user = caller.user;
      request.caller = caller;
      if (admin && caller.user.privilege !== 'admin') {
        throw new ForbiddenException('This route is for admins');
      }
      return true;
    };
  }

  /** The route's Passport strategy; what it authenticated is `request.user`. */
  private passport(strategy: CredentialStrategy): Check {
    const guard = new (AuthGuard(strategy))();
    return (context) => guard.canActivate(context) as Promise<boolean>;
  }

  /**
   * A session API route's session, read by the strategy of its source: without a live one, the
   * route's own answer to the way it is missing. A session that could not be looked up is not a
   * missing one: the error goes on to the error filter (a database out of reach is a 503 there),
   * so that an outage signs no one out.
   */
  private sessionApi({ source, misses }: SessionAccess): Check {
    class RequiresSession extends AuthGuard(SESSION_STRATEGIES[source]) {
      override handleRequest<T>(error: unknown, liveSession: T, miss?: SessionMiss): T {
        if (error) throw error;
        if (!liveSession) throw misses[miss ?? 'not-live']();
        return liveSession;
      }
    }
    const guard = new RequiresSession();
    return (context) => guard.canActivate(context) as Promise<boolean>;
  }

  /** Anyone while registration is open; otherwise an admin, authenticated by `authenticate`. */
  private registration(authenticate: Check): Check {
    return async (context) => {
      if (this.config.registrationOpen) return true;
      await authenticate(context);
      const { user } = context.switchToHttp().getRequest<{ user: User }>();
      if (user.privilege !== 'admin') {
        throw new ForbiddenException('Registration is closed; only an admin may add users');
      }
      return true;
    };
  }

  /**
   * Client authentication (RFC 7662 §2.1): Basic `client_id:client_secret` of an enabled service
   * client, before anything in the body is looked at; where the route takes one, the client's
   * own token instead (Bearer).
   */
  private serviceClient(refused: () => Error, takesClientToken: boolean): Check {
    return async (context) => {
      const request = context.switchToHttp().getRequest<ClientRequest>();
      const snapshot = this.liveness.snapshot();
      const client = await this.authenticatedClient(request, snapshot, takesClientToken);
      if (!client) throw refused();
      request.serviceClient = client;
      request.snapshot = snapshot;
      return true;
    };
  }

  private async authenticatedClient(
    request: ClientRequest,
    snapshot: EpochSnapshot,
    takesClientToken: boolean,
  ): Promise<ServiceClient | null> {
    const credentials = basicCredentials(request);
    if (credentials) return this.clients.authenticate(credentials, snapshot);
    const token = takesClientToken ? bearerToken(request) : null;
    return token === null ? null : this.clientTokens.clientOf({ kind: 'bearer', token });
  }

  /**
   * Revocation (RFC 7009): a service client by Basic (refused when its credentials are wrong), or
   * a Bearer token, which the route holds against the token it is asked to revoke: a token is
   * its own credential to end itself.
   */
  private serviceClientOrToken(refused: () => Error): Check {
    return async (context) => {
      const request = context.switchToHttp().getRequest<ClientRequest>();
      if (!hasBasicAuthorization(request)) {
        if (bearerToken(request) === null) throw refused();
        return true;
      }
      const credentials = basicCredentials(request);
      const client = credentials && (await this.clients.authenticate(credentials));
      if (!client) throw refused();
      request.serviceClient = client;
      return true;
    };
  }
}
