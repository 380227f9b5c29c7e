import { createLocalJWKSet, importPKCS8, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import * as client from 'openid-client';
import type { Response } from 'supertest';
import { basic, startListeningTestApp, startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor, tokenStatus } from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName } from '../support/fixtures.js';
import { ClientTokensService } from '../../src/credentials/service-clients/client-tokens.service.js';

/**
 * A service client's own token (the client credentials grant, RFC 6749 §4.4): what the token
 * endpoint answers and refuses, the token as a standard library verifies it (RFC 9068), no user
 * door taking it, introspection telling its client, and the one check the endpoints for service
 * clients will use.
 */

const ADMIN = { username: 'cc-admin', password: 'cc-admin-password-1' };
const PASSWORD = 'cc-member-password-1';
const FORM = 'application/x-www-form-urlencoded';
const FIVE_MINUTES_MS = 300_000;

interface IssuedClient {
  clientId: string;
  clientSecret: string;
  name: string;
}

let t: TestApp;
let adminJwt: string;

const asAdmin = () => `Bearer ${adminJwt}`;
const asClient = (svc: IssuedClient) => basic(svc.clientId, svc.clientSecret);

async function createClient(name = uniqueName('svc')): Promise<IssuedClient> {
  const res = await t
    .http()
    .post('/api/admin/clients')
    .set('Authorization', asAdmin())
    .send({ name });
  expect(res.status).toBe(201);
  return res.body as IssuedClient;
}

async function setEnabled(svc: IssuedClient, enabled: boolean) {
  const res = await t
    .http()
    .patch(`/api/admin/clients/${svc.clientId}`)
    .set('Authorization', asAdmin())
    .send({ enabled });
  expect(res.status).toBe(200);
}

function tokenRequest(authorization: string | null, body: string) {
  const req = t.http().post('/oauth2/token').set('Content-Type', FORM);
  if (authorization !== null) req.set('Authorization', authorization);
  return req.send(body);
}

async function clientToken(svc: IssuedClient): Promise<string> {
  const res = await tokenRequest(asClient(svc), 'grant_type=client_credentials');
  expect(res.status).toBe(200);
  return (res.body as { access_token: string }).access_token;
}

function introspect(by: IssuedClient, token: string) {
  return t
    .http()
    .post('/oauth2/introspect')
    .set('Content-Type', FORM)
    .set('Authorization', asClient(by))
    .send(new URLSearchParams({ token }).toString());
}

async function expectInactive(by: IssuedClient, token: string) {
  const res = await introspect(by, token);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ active: false });
}

/**
 * RFC 6749 §5.2's error; `no-store` when the endpoint refused it (a parameter given twice is
 * refused as the form is read, before the endpoint, as at introspection).
 */
function expectError(res: Response, status: number, error: string, byEndpoint = true) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error });
  if (byEndpoint) expect(res.headers['cache-control']).toBe('no-store');
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="gatehouse"');
}

/** The same token with its signature's first character changed: a JWT no check can pass. */
function forged(token: string): string {
  const [header, payload, signature] = token.split('.');
  return `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
}

/** What a door's refusal says: its status, body and challenge. */
const refusal = (res: Response) => ({
  status: res.status,
  text: res.text,
  challenge: res.headers['www-authenticate'],
});

describe('OAuth 2.0 client credentials grant', () => {
  let svc: IssuedClient;
  let other: IssuedClient;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    adminJwt = await accessTokenFor(t, ADMIN);
    svc = await createClient('receiver');
    other = await createClient('introspector');
  });
  afterAll(() => t.close());

  describe('POST /oauth2/token', () => {
    it('issues an RFC 9068 token that jose verifies with the JWKS the app serves', async () => {
      const res = await tokenRequest(asClient(svc), 'grant_type=client_credentials');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.pragma).toBe('no-cache');
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'ssf',
      });
      const token = (res.body as { access_token: string }).access_token;

      const jwks = (await t.http().get('/.well-known/jwks.json')).body as JSONWebKeySet;
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
        typ: 'at+jwt',
        issuer: t.config.jwt.issuer,
        audience: t.config.publicUrl,
        algorithms: ['RS256'],
      });
      expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
      expect(jwks.keys.map((key) => key.kid)).toContain(protectedHeader.kid);
      expect(payload).toEqual({
        iss: t.config.jwt.issuer,
        sub: svc.clientId,
        client_id: svc.clientId,
        aud: t.config.publicUrl,
        scope: 'ssf',
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.any(String),
        cv: expect.any(Number),
      });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(30);
    });

    it('grants `ssf` when asked for it, and when asked for no scope', async () => {
      for (const body of [
        'grant_type=client_credentials&scope=ssf',
        'grant_type=client_credentials',
      ]) {
        const res = await tokenRequest(asClient(svc), body);
        expect(res.status).toBe(200);
        expect(decodeJwt((res.body as { access_token: string }).access_token).payload.scope).toBe(
          'ssf',
        );
      }
    });

    it('audits the issue as a token.issue event of the client, without the token', async () => {
      const token = await clientToken(svc);
      const { jti } = decodeJwt(token).payload;
      const events = await sql(t, `SELECT * FROM "audit_event" WHERE "type" = 'token.issue'`);
      const event = events.find((row) => String(row.detail).includes(String(jti)));
      expect(event).toBeDefined();
      expect(event).toMatchObject({ outcome: 'success', api: 'oauth2', userId: null });
      expect(JSON.parse(String(event!.detail))).toEqual({
        kind: 'client-token',
        clientId: svc.clientId,
        client: 'receiver',
        jti,
        expiresIn: 300,
      });
      expect(JSON.stringify(event)).not.toContain(token.split('.')[2]);
    });

    it('refuses a caller that is not an enabled client: invalid_client with a challenge', async () => {
      const body = 'grant_type=client_credentials';
      expectError(await tokenRequest(null, body), 401, 'invalid_client');
      expectError(await tokenRequest(basic(svc.clientId, 'wrong'), body), 401, 'invalid_client');
      expectError(await tokenRequest(basic('nobody', 'x'), body), 401, 'invalid_client');
      expectError(
        await tokenRequest(`Bearer ${await accessTokenFor(t, ADMIN)}`, body),
        401,
        'invalid_client',
      );
      const disabled = await createClient();
      await setEnabled(disabled, false);
      expectError(await tokenRequest(asClient(disabled), body), 401, 'invalid_client');
    });

    it('refuses a request without a grant, or with a parameter twice: invalid_request', async () => {
      for (const body of ['', 'scope=ssf', 'grant_type='])
        expectError(await tokenRequest(asClient(svc), body), 400, 'invalid_request');
      for (const body of [
        'grant_type=client_credentials&grant_type=client_credentials',
        'grant_type=client_credentials&scope=ssf&scope=ssf',
      ])
        expectError(await tokenRequest(asClient(svc), body), 400, 'invalid_request', false);
    });

    it('refuses every other grant: unsupported_grant_type', async () => {
      for (const grant of ['password', 'authorization_code', 'refresh_token', 'CLIENT_CREDENTIALS'])
        expectError(
          await tokenRequest(asClient(svc), `grant_type=${grant}`),
          400,
          'unsupported_grant_type',
        );
    });

    it('refuses any scope but ssf: invalid_scope', async () => {
      for (const scope of ['read', 'ssf openid', 'SSF', '', 'ssf  ssf'])
        expectError(
          await tokenRequest(
            asClient(svc),
            new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
          ),
          400,
          'invalid_scope',
        );
    });
  });

  describe('no user door takes it', () => {
    let token: string;

    beforeAll(async () => {
      token = await clientToken(svc);
    });

    it('the Security API token check calls it invalid, for any service', async () => {
      for (const service of ['orders', svc.name, svc.clientId, t.config.publicUrl])
        expect(await tokenStatus(t, token, service)).toBe('invalid');
    });

    it('each door refuses it exactly as it refuses a forged token, in its own dialect', async () => {
      const doors: [string, (credential: string) => Promise<Response>][] = [
        [
          'Security API: privilegeToken',
          (jwt) =>
            t.http().get('/api/v1/security/privilegeToken').set('Authorization', `Bearer ${jwt}`),
        ],
        [
          'forward auth',
          (jwt) => t.http().get('/auth/forward').set('Authorization', `Bearer ${jwt}`),
        ],
        [
          'forward auth (Envoy)',
          (jwt) => t.http().get('/auth/forward/app/x').set('Authorization', `Bearer ${jwt}`),
        ],
        [
          'REST-auth: the token as the username',
          (jwt) => t.http().get('/api/resource').set('Authorization', basic(jwt, 'x')),
        ],
        [
          'self-service: /api/me',
          (jwt) => t.http().get('/api/me').set('Authorization', `Bearer ${jwt}`),
        ],
        [
          'administration: /api/admin/users',
          (jwt) => t.http().get('/api/admin/users').set('Authorization', `Bearer ${jwt}`),
        ],
        [
          'administration: /api/admin/clients',
          (jwt) => t.http().get('/api/admin/clients').set('Authorization', `Bearer ${jwt}`),
        ],
      ];
      for (const [door, call] of doors) {
        const refused = await call(token);
        expect(refused.status, door).toBe(401);
        expect(refusal(refused), door).toEqual(refusal(await call(forged(token))));
      }
    });
  });

  it('no user door takes a token of the client type, even one that names a user', async () => {
    const user = await registerUser(t, uniqueName('member'), PASSWORD);
    const userJwt = await accessTokenFor(t, user);
    const { header, payload } = decodeJwt(userJwt);
    const [key] = await sql(t, `SELECT "privateKeyPem" FROM "signing_key" WHERE "kid" = $1`, [
      header.kid,
    ]);
    const sign = async (typ: string) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: String(header.kid), typ })
        .sign(await importPKCS8(String(key.privateKeyPem), 'RS256'));
    // The same claims signed by the same key: a user's type passes, the client's does not.
    expect(await tokenStatus(t, await sign('JWT'))).toBe('valid');
    const asClientType = await sign('at+jwt');
    expect(await tokenStatus(t, asClientType)).toBe('invalid');
    const me = await t.http().get('/api/me').set('Authorization', `Bearer ${asClientType}`);
    expect(me.status).toBe(401);
    const forward = await t
      .http()
      .get('/auth/forward')
      .set('Authorization', `Bearer ${asClientType}`);
    expect(forward.status).toBe(401);
    await expectInactive(other, asClientType);
  });

  describe('introspection', () => {
    it('answers it active with its client_id, to any client', async () => {
      const token = await clientToken(svc);
      const { payload } = decodeJwt(token);
      for (const by of [svc, other]) {
        const res = await introspect(by, token);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          active: true,
          client_id: svc.clientId,
          sub: svc.clientId,
          scope: 'ssf',
          iat: payload.iat,
          exp: payload.exp,
          iss: t.config.jwt.issuer,
          aud: [t.config.publicUrl],
          token_type: 'Bearer',
          kind: 'client-token',
        });
      }
      await expectInactive(svc, forged(token));
    });

    it('answers it inactive once its client is disabled (re-enabling brings none back), gets a new secret, or is deleted', async () => {
      const held = await createClient();
      const token = await clientToken(held);
      await setEnabled(held, false);
      await expectInactive(other, token);
      await setEnabled(held, true);
      await expectInactive(other, token);

      const afterEnable = await clientToken(held);
      expect((await introspect(other, afterEnable)).body.active).toBe(true);
      const rotated = await t
        .http()
        .post(`/api/admin/clients/${held.clientId}/secret`)
        .set('Authorization', asAdmin());
      expect(rotated.status).toBe(201);
      await expectInactive(other, afterEnable);

      const afterRotation = await clientToken({ ...held, ...(rotated.body as IssuedClient) });
      expect((await introspect(other, afterRotation)).body.active).toBe(true);
      const res = await t
        .http()
        .delete(`/api/admin/clients/${held.clientId}`)
        .set('Authorization', asAdmin());
      expect(res.status).toBe(204);
      await expectInactive(other, afterRotation);
    });

    it('answers it inactive from its exp second on, by the app clock', async () => {
      let clock: TestClock | undefined;
      try {
        clock = controlClock(t);
        const token = await clientToken(svc);
        const { iat, exp } = decodeJwt(token).payload as { iat: number; exp: number };
        clock.advance((exp - 1) * 1000 - clock.nowMs());
        expect((await introspect(other, token)).body.active).toBe(true);
        clock.advance(1000);
        await expectInactive(other, token);
        expect(exp - iat).toBe(FIVE_MINUTES_MS / 1000);
      } finally {
        clock?.restore();
      }
    });

    it('is not revoked by RFC 7009 revocation: 200, and it lives on', async () => {
      const token = await clientToken(svc);
      const form = new URLSearchParams({ token }).toString();
      for (const authorization of [asClient(svc), `Bearer ${token}`]) {
        const res = await t
          .http()
          .post('/oauth2/revoke')
          .set('Content-Type', FORM)
          .set('Authorization', authorization)
          .send(form);
        expect(res.status).toBe(200);
      }
      expect((await introspect(other, token)).body.active).toBe(true);
    });

    it('answers it inactive once its signing key is withdrawn by an emergency rotation', async () => {
      const held = await createClient();
      const token = await clientToken(held);
      const res = await t
        .http()
        .post('/api/admin/keys/rotate?now=true')
        .set('Authorization', asAdmin());
      expect(res.status).toBeLessThan(300);
      adminJwt = await accessTokenFor(t, ADMIN);
      await expectInactive(other, token);
    });
  });

  describe('the check of the endpoints for service clients', () => {
    const check = () => t.app.get(ClientTokensService);

    it('takes its token, or its Basic credentials, and names the enabled client', async () => {
      const token = await clientToken(svc);
      expect((await check().clientOf({ kind: 'bearer', token }))?.clientId).toBe(svc.clientId);
      expect(
        (
          await check().clientOf({
            kind: 'basic',
            credentials: { username: svc.clientId, password: svc.clientSecret },
          })
        )?.clientId,
      ).toBe(svc.clientId);
    });

    it('refuses a user token, a forged one, wrong credentials, and a disabled client', async () => {
      const user = await registerUser(t, uniqueName('member'), PASSWORD);
      const token = await clientToken(svc);
      for (const bearer of [await accessTokenFor(t, user), forged(token), 'nonsense'])
        expect(await check().clientOf({ kind: 'bearer', token: bearer })).toBeNull();
      expect(
        await check().clientOf({
          kind: 'basic',
          credentials: { username: svc.clientId, password: 'wrong' },
        }),
      ).toBeNull();

      const held = await createClient();
      const heldToken = await clientToken(held);
      await setEnabled(held, false);
      expect(await check().clientOf({ kind: 'bearer', token: heldToken })).toBeNull();
      expect(
        await check().clientOf({
          kind: 'basic',
          credentials: { username: held.clientId, password: held.clientSecret },
        }),
      ).toBeNull();
    });
  });
});

describe('the client credentials grant by discovery', () => {
  let issuer: string;

  beforeAll(async () => {
    ({ t, baseUrl: issuer } = await startListeningTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    }));
    adminJwt = await accessTokenFor(t, ADMIN);
  });
  afterAll(() => t.close());

  it('names the token endpoint, the grant and its client authentication', async () => {
    const res = await t.http().get('/.well-known/openid-configuration');
    expect(res.body).toMatchObject({
      token_endpoint: `${issuer}/oauth2/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      introspection_endpoint: `${issuer}/oauth2/introspect`,
    });
  });

  it('gives openid-client a token, configured by discovery, that introspects active', async () => {
    const svc = await createClient('discovered');
    const config = await client.discovery(
      new URL(issuer),
      svc.clientId,
      undefined,
      client.ClientSecretBasic(svc.clientSecret),
      { execute: [client.allowInsecureRequests] },
    );
    const tokens = await client.clientCredentialsGrant(config, { scope: 'ssf' });
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'ssf', expires_in: 300 });
    const introspection = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: svc.clientId });
  });
});
