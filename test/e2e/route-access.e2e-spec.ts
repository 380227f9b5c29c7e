import { type CanActivate, Controller, Get, UseGuards } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import {
  isOpen,
  Public,
  ROUTE_ACCESS,
  type RouteAccess,
} from '../../src/common/decorators/route-access.decorator.js';
import { Access } from '../../src/identity/access.decorator.js';
import { AccessGuard } from '../../src/identity/access.guard.js';
import { undeclaredRoutes } from '../../src/identity/declared-access.check.js';
import { startTestApp, type TestApp } from '../support/app.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD', 'SEARCH'];

interface DeclaredRoute {
  route: string;
  access: string;
  dialect: string;
  declared: RouteAccess | undefined;
  /** The route's guards in the order Nest runs them: its controller's, then its handler's. */
  guards: unknown[];
}

/** Every route the app serves, with the access its handler or controller declares. */
function declaredRoutes(t: TestApp): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const prefix = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        if (!Reflect.hasMetadata(PATH_METADATA, handler)) continue;
        const paths = [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat();
        const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const access = (Reflect.getMetadata(ROUTE_ACCESS, handler) ??
          Reflect.getMetadata(ROUTE_ACCESS, metatype)) as RouteAccess | undefined;
        const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as
          { dialect?: string } | undefined;
        const guards = [
          ...((Reflect.getMetadata(GUARDS_METADATA, metatype) as unknown[] | undefined) ?? []),
          ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []),
        ];
        for (const path of paths) {
          routes.push({
            route: `${method} /${prefix}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1'),
            access: access ? `${access.rule} by ${access.accepts.join(', ') || 'nothing'}` : 'NONE',
            dialect: config?.dialect ?? 'default',
            declared: access,
            guards,
          });
        }
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route));
}

describe('Every route declares its access', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lists each route with the credentials it takes, who may call it and its dialect', () => {
    const table = declaredRoutes(t)
      .map(({ route, access, dialect }) => `${route.padEnd(44)} ${access.padEnd(62)} ${dialect}`)
      .join('\n');
    expect(table).not.toContain('NONE');
    expect(`\n${table}\n`).toMatchInlineSnapshot(`
      "
      DELETE /api/admin/clients/:clientId          admin by access-jwt, session                                   default
      DELETE /api/admin/groups/:id                 admin by access-jwt, session                                   default
      DELETE /api/admin/sessions/:sid              admin by access-jwt, session                                   default
      DELETE /api/admin/user-tokens/:tokenId       admin by access-jwt, session                                   default
      DELETE /api/admin/users/:id                  admin by access-jwt, session                                   default
      DELETE /api/admin/users/:id/credentials      admin by access-jwt, session                                   default
      DELETE /api/admin/users/:id/passkeys         admin by access-jwt, session                                   default
      DELETE /api/admin/users/:id/public-key       admin by access-jwt, session                                   default
      DELETE /api/admin/users/:id/totp             admin by access-jwt, session                                   default
      DELETE /api/me/passkeys/:id                  signed-in by access-jwt, user-token, session                   default
      DELETE /api/me/public-key                    signed-in by access-jwt, user-token, session                   default
      DELETE /api/me/sessions/:sid                 signed-in by access-jwt, user-token, session                   default
      DELETE /api/me/totp                          signed-in by access-jwt, user-token, session                   default
      DELETE /api/me/user-tokens/:id               signed-in by access-jwt, user-token, session                   default
      DELETE /auth/forward                         proxy-rules by access-jwt, user-token, session, password       default
      DELETE /auth/forward/*                       proxy-rules by access-jwt, user-token, session, password       default
      DELETE /ssf/streams                          service-client by service-client, client-token                 ssf
      GET /.well-known/jwks.json                   anyone by nothing                                              default
      GET /.well-known/oauth-authorization-server  anyone by nothing                                              default
      GET /.well-known/openid-configuration        anyone by nothing                                              default
      GET /.well-known/ssf-configuration           anyone by nothing                                              ssf
      GET /account                                 anyone by session                                              default
      GET /api/admin/audit-events                  admin by access-jwt, session                                   default
      GET /api/admin/clients                       admin by access-jwt, session                                   default
      GET /api/admin/groups                        admin by access-jwt, session                                   default
      GET /api/admin/users                         admin by access-jwt, session                                   default
      GET /api/admin/users/:id                     admin by access-jwt, session                                   default
      GET /api/admin/users/:id/sessions            admin by access-jwt, session                                   default
      GET /api/admin/users/:id/user-tokens         admin by access-jwt, session                                   default
      GET /api/me                                  signed-in by access-jwt, user-token, session                   default
      GET /api/me/passkeys                         signed-in by access-jwt, user-token, session                   default
      GET /api/me/sessions                         signed-in by access-jwt, user-token, session                   default
      GET /api/me/user-tokens                      signed-in by access-jwt, user-token, session                   default
      GET /api/resource                            signed-in by password, token-as-username                       rest-auth
      GET /api/token                               signed-in by password, token-as-username                       rest-auth
      GET /api/users/:id                           anyone by nothing                                              rest-auth
      GET /api/v1/security/privilegeToken          signed-in by access-jwt                                        security
      GET /auth/forward                            proxy-rules by access-jwt, user-token, session, password       default
      GET /auth/forward/*                          proxy-rules by access-jwt, user-token, session, password       default
      GET /auth/globalprefix                       anyone by nothing                                              session
      GET /auth/login                              anyone by sso-header                                           session
      GET /auth/ssologin                           anyone by sso-header                                           session
      GET /auth/validate/:sid                      signed-in by session                                           session
      GET /health/live                             anyone by nothing                                              default
      GET /health/ready                            anyone by nothing                                              default
      GET /metrics                                 anyone by nothing                                              default
      GET /portal/scripts/passkeys.js              anyone by nothing                                              default
      GET /portal/scripts/webauthn.js              anyone by nothing                                              default
      GET /signin                                  anyone by session                                              default
      GET /signout                                 anyone by nothing                                              default
      GET /ssf/status                              service-client by service-client, client-token                 ssf
      GET /ssf/streams                             service-client by service-client, client-token                 ssf
      OPTIONS /auth/forward                        proxy-rules by access-jwt, user-token, session, password       default
      OPTIONS /auth/forward/*                      proxy-rules by access-jwt, user-token, session, password       default
      PATCH /api/admin/clients/:clientId           admin by access-jwt, session                                   default
      PATCH /api/admin/groups/:id                  admin by access-jwt, session                                   default
      PATCH /api/admin/users/:id                   admin by access-jwt, session                                   default
      PATCH /api/me                                signed-in by access-jwt, user-token, session                   default
      PATCH /api/me/passkeys/:id                   signed-in by access-jwt, user-token, session                   default
      PATCH /auth/forward                          proxy-rules by access-jwt, user-token, session, password       default
      PATCH /auth/forward/*                        proxy-rules by access-jwt, user-token, session, password       default
      PATCH /ssf/streams                           service-client by service-client, client-token                 ssf
      POST /account/login-key/remove               anyone by session                                              default
      POST /account/passkeys                       anyone by session                                              default
      POST /account/passkeys/:id/remove            anyone by session                                              default
      POST /account/passkeys/:id/rename            anyone by session                                              default
      POST /account/passkeys/options               anyone by session                                              default
      POST /account/password                       anyone by session                                              default
      POST /account/sessions/end-others            anyone by session                                              default
      POST /account/totp                           anyone by session                                              default
      POST /account/totp/confirm                   anyone by session                                              default
      POST /account/totp/off                       anyone by session                                              default
      POST /api/admin/clients                      admin by access-jwt, session                                   default
      POST /api/admin/clients/:clientId/secret     admin by access-jwt, session                                   default
      POST /api/admin/groups                       admin by access-jwt, session                                   default
      POST /api/admin/keys/rotate                  admin by access-jwt, session                                   default
      POST /api/admin/revoked-tokens               admin by access-jwt, session                                   default
      POST /api/admin/users/:id/password           admin by access-jwt, session                                   default
      POST /api/admin/users/import                 admin by access-jwt, session                                   default
      POST /api/me/passkeys                        signed-in by access-jwt, user-token, session                   default
      POST /api/me/passkeys/options                signed-in by access-jwt, user-token, session                   default
      POST /api/me/password                        signed-in by access-jwt, user-token, session                   default
      POST /api/me/totp                            signed-in by access-jwt, user-token, session                   default
      POST /api/me/totp/confirm                    signed-in by access-jwt, user-token, session                   default
      POST /api/users                              registration by password, token-as-username                    rest-auth
      POST /api/v1/security/authentication         anyone by password                                             security
      POST /api/v1/security/token                  anyone by nothing                                              security
      POST /auth/bump                              signed-in by user-token                                        user-token
      POST /auth/forward                           proxy-rules by access-jwt, user-token, session, password       default
      POST /auth/forward/*                         proxy-rules by access-jwt, user-token, session, password       default
      POST /auth/hashpassword                      signed-in by session                                           session
      POST /auth/login                             anyone by password                                             login
      POST /auth/loginwithrsa                      anyone by rsa-signature                                        session
      POST /auth/logout                            signed-in by user-token                                        user-token
      POST /auth/logout/:sid                       signed-in by session                                           session
      POST /auth/matchpassword                     signed-in by session                                           session
      POST /oauth2/introspect                      service-client by service-client                               default
      POST /oauth2/revoke                          service-client-or-token by service-client, access-jwt, user-token default
      POST /oauth2/token                           service-client by service-client                               default
      POST /signin                                 anyone by password, passkey                                    default
      POST /signout                                anyone by session                                              default
      POST /ssf/poll/:streamId                     service-client by service-client, client-token                 ssf
      POST /ssf/status                             service-client by service-client, client-token                 ssf
      POST /ssf/streams                            service-client by service-client, client-token                 ssf
      POST /ssf/verify                             service-client by service-client, client-token                 ssf
      POST /v1/auth                                anyone by password                                             jwt
      POST /webauthn/authentication                anyone by passkey                                              jwt
      POST /webauthn/authentication/options        anyone by nothing                                              jwt
      PUT /api/admin/users/:id/groups              admin by access-jwt, session                                   default
      PUT /api/me/public-key                       signed-in by access-jwt, user-token, session                   default
      PUT /api/users/:id/public-key                signed-in by password                                          rest-auth
      PUT /auth/forward                            proxy-rules by access-jwt, user-token, session, password       default
      PUT /auth/forward/*                          proxy-rules by access-jwt, user-token, session, password       default
      PUT /ssf/streams                             service-client by service-client, client-token                 ssf
      "
    `);
  });

  it('puts the access guard ahead of the guards a route states below and above its declaration', () => {
    class Below implements CanActivate {
      canActivate = () => true;
    }
    class Above implements CanActivate {
      canActivate = () => true;
    }
    class Guarded {
      @UseGuards(Above)
      @Access({ accepts: ['access-jwt'], rule: 'signed-in' })
      @UseGuards(Below)
      handle(this: void): void {}
    }
    expect(Reflect.getMetadata(GUARDS_METADATA, Guarded.prototype.handle)).toEqual([
      AccessGuard,
      Below,
      Above,
    ]);
  });

  it('puts the access guard first on every route that takes a credential, and on no other', () => {
    for (const { route, declared, guards } of declaredRoutes(t)) {
      const letThrough = isOpen(declared!) && !declared!.before?.length;
      expect(
        guards.filter((guard) => guard === AccessGuard),
        route,
      ).toHaveLength(letThrough ? 0 : 1);
      if (!letThrough) expect(guards[0], route).toBe(AccessGuard);
    }
  });

  it('finds a route that declares nothing, which stops the start', () => {
    @Controller('undeclared')
    class Undeclared {
      @Get()
      handle(this: void): void {}
    }
    @Public()
    @Controller('declared')
    class Declared {
      @Get()
      handle(this: void): void {}
    }
    expect(undeclaredRoutes(Undeclared)).toEqual(['handle']);
    expect(undeclaredRoutes(Declared)).toEqual([]);
  });
});
