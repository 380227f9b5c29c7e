import type { Test } from 'supertest';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import {
  accessTokenFor,
  type Credentials,
  type LiveSessionCredential,
  SESSION_COOKIE,
  sessionFor,
  userTokenFor,
  withSession,
} from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName } from '../support/fixtures.js';
import { TokenCheckService } from '../../src/identity/token-check.service.js';

/**
 * Forward authentication: /auth/forward and /auth/forward/* answer a reverse proxy whether the
 * request it forwards carries a live credential, and whose; 401 with a challenge when not, 403
 * when the proxy's rules (privilege, scopes; the query of /auth/forward, X-Gatehouse-Rules on
 * /auth/forward/*) refuse whom it names, 400 when a rule is not one. Liveness is the
 * token check's own: revocation, a disabled user, a logout count here at once.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'fwd-admin', password: 'admin-password-123' };
const DEFAULT_SCOPE_USER = 'profile:read profile:write';
const BEARER_CHALLENGE = 'Bearer realm="gatehouse"';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
});

afterAll(async () => {
  await t?.close();
});

const newUser = (prefix = 'fwd') => registerUser(t, uniqueName(prefix), PASSWORD);
const forward = (path = '/auth/forward') => t.http().get(path);
const bearer = (token: string, path?: string) =>
  forward(path).set('Authorization', `Bearer ${token}`);

function expectAdmitted(res: { status: number; headers: Record<string, unknown>; text: string }) {
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.text).toBe('');
}

function expectRefused(res: { status: number; headers: Record<string, unknown>; text: string }) {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe(BEARER_CHALLENGE);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.text).toBe('');
}

function sessionCookie(session: LiveSessionCredential): string {
  return `${SESSION_COOKIE}=${session.secret}`;
}

async function disable(user: { id: number }): Promise<void> {
  await sql(t, 'UPDATE "user" SET enabled = false WHERE id = $1', [user.id]);
}

describe('credentials', () => {
  it('answers 401 with a Bearer challenge and no-store without a credential', async () => {
    expectRefused(await forward());
    expectRefused(await forward('/auth/forward/some/path?x=1'));
    expectRefused(await bearer('not-a-token'));
    expectRefused(await forward().set('Authorization', 'Token abc'));
  });

  it('admits an access JWT and names its user, privilege and scope', async () => {
    const user = await newUser();
    const res = await bearer(await accessTokenFor(t, user));
    expectAdmitted(res);
    expect(res.headers['x-auth-user']).toBe(user.username);
    expect(res.headers['x-auth-user-id']).toBe(String(user.id));
    expect(res.headers['x-auth-privilege']).toBe('user');
    expect(res.headers['x-auth-scope']).toBe(DEFAULT_SCOPE_USER);
  });

  it('admits a user token', async () => {
    const user = await newUser();
    const res = await bearer(await userTokenFor(t, user));
    expectAdmitted(res);
    expect(res.headers['x-auth-user']).toBe(user.username);
    expect(res.headers['x-auth-user-id']).toBe(String(user.id));
  });

  it('admits a session cookie with the sid in X-Session-Id, X-Original-URI or X-Forwarded-Uri', async () => {
    const user = await newUser();
    const session = await sessionFor(t, user);
    const cookie = sessionCookie(session);
    for (const res of [
      await withSession(forward(), session),
      await forward().set('Cookie', cookie).set('X-Original-URI', `/app/x?a=1&sid=${session.sid}`),
      await forward().set('Cookie', cookie).set('X-Forwarded-Uri', `/app?sid=${session.sid}`),
      // Envoy appends the original path and query.
      await forward(`/auth/forward/app/x?sid=${session.sid}`).set('Cookie', cookie),
    ]) {
      expectAdmitted(res);
      expect(res.headers['x-auth-user']).toBe(user.username);
      expect(res.headers['x-auth-scope']).toBe(DEFAULT_SCOPE_USER);
    }
  });

  it('refuses a session without its secret, with a wrong one, or with a secret in the URI', async () => {
    const session = await sessionFor(t, await newUser());
    expectRefused(await forward().set('X-Session-Id', session.sid));
    expectRefused(await forward().set('Cookie', sessionCookie(session)));
    expectRefused(
      await forward()
        .set('X-Session-Id', session.sid)
        .set('Cookie', `${SESSION_COOKIE}=${'0'.repeat(64)}`),
    );
    expectRefused(
      await forward().set('X-Original-URI', `/app?sid=${session.sid}${session.secret}`),
    );
    // The sid of the forward URL itself counts only where Envoy appends the original URI; on
    // /auth/forward the query holds the proxy's rules, and `sid` is none of them.
    const ownSid = await forward(`/auth/forward?sid=${session.sid}`).set(
      'Cookie',
      sessionCookie(session),
    );
    expect(ownSid.status).toBe(400);
    expect(ownSid.headers['x-auth-user']).toBeUndefined();
  });

  it('percent-encodes a username that is not plain ASCII', async () => {
    const user = await registerUser(t, uniqueName('zoë'), PASSWORD);
    const res = await bearer(await accessTokenFor(t, user));
    expectAdmitted(res);
    expect(decodeURIComponent(res.headers['x-auth-user'] as string)).toBe(user.username);
  });
});

describe('liveness, as every other check sees it', () => {
  it('refuses a revoked access JWT', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    expectAdmitted(await bearer(jwt));
    const admin = await accessTokenFor(t, ADMIN);
    const revoke = await t
      .http()
      .post('/api/admin/revoked-tokens')
      .set('Authorization', `Bearer ${admin}`)
      .send({ jti: decodeJwt(jwt).payload.jti });
    expect(revoke.status).toBeLessThan(300);
    expectRefused(await bearer(jwt));
  });

  it('refuses a logged-out user token and a logged-out session', async () => {
    const user = await newUser();
    const token = await userTokenFor(t, user);
    const session = await sessionFor(t, user);
    expect(
      (await t.http().post('/auth/logout').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(200);
    const logout = await withSession(t.http().post(`/auth/logout/${session.sid}`), session);
    expect(logout.status).toBeLessThan(300);
    expectRefused(await bearer(token));
    expectRefused(await withSession(forward(), session));
  });

  it('refuses every credential of a disabled user', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    const token = await userTokenFor(t, user);
    const session = await sessionFor(t, user);
    expectAdmitted(await bearer(jwt));
    await disable(user);
    expectRefused(await bearer(jwt));
    expectRefused(await bearer(token));
    expectRefused(await withSession(forward(), session));
  });

  it('refuses an access JWT issued before a password change', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    await sql(t, 'UPDATE "user" SET "credentialVersion" = "credentialVersion" + 1 WHERE id = $1', [
      user.id,
    ]);
    expectRefused(await bearer(jwt));
  });
});

describe('rules', () => {
  let user: Credentials & { id: number };
  let userJwt: string;
  let adminJwt: string;

  beforeAll(async () => {
    user = await newUser();
    userJwt = await accessTokenFor(t, user);
    adminJwt = await accessTokenFor(t, ADMIN);
  });

  const ruled = (query: string, token: string) => bearer(token, `/auth/forward?${query}`);

  it('privilege=admin admits admins only; privilege=user any signed-in user', async () => {
    const refused = await ruled('privilege=admin', userJwt);
    expect(refused.status).toBe(403);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.headers['x-auth-user']).toBeUndefined();
    const admitted = await ruled('privilege=admin', adminJwt);
    expectAdmitted(admitted);
    expect(admitted.headers['x-auth-privilege']).toBe('admin');
    expectAdmitted(await ruled('privilege=user', userJwt));
    expectAdmitted(await ruled('privilege=user', adminJwt));
  });

  it('admits only a credential holding every scope= given', async () => {
    expectAdmitted(await ruled('scope=profile:read', userJwt));
    expectAdmitted(await ruled('scope=profile:read&scope=profile:write', userJwt));
    expect((await ruled('scope=profile:read&scope=users:write', userJwt)).status).toBe(403);
    expectAdmitted(await ruled('scope=profile:read&scope=users:write', adminJwt));
    expect((await ruled('privilege=admin&scope=nope', adminJwt)).status).toBe(403);
  });

  it('applies the rules to sessions and user tokens alike', async () => {
    const session = await sessionFor(t, user);
    expect((await withSession(forward('/auth/forward?privilege=admin'), session)).status).toBe(403);
    const token = await userTokenFor(t, user);
    expect((await ruled('scope=users:read', token)).status).toBe(403);
    expectAdmitted(await ruled('scope=profile:write', token));
  });

  it('answers 401 before 403: no credential is no credential, whatever the rules', async () => {
    expectRefused(await forward('/auth/forward?privilege=admin'));
  });

  it('answers 400 for a rule it does not know', async () => {
    expect((await ruled('privilege=root', userJwt)).status).toBe(400);
    expect((await ruled('scope=a%20b', userJwt)).status).toBe(400);
  });

  /** Misspellings and repetitions a proxy's configuration may hold: none may be ignored. */
  const NOT_RULES = [
    'privilge=admin',
    'Privilege=admin',
    'PRIVILEGE=admin',
    'privilege[]=admin',
    'privilege%5B%5D=admin',
    'privilege=admin&privilege=admin',
    'privilege=user&privilege=admin',
    'privilege=admin&privilege=user',
    'privilege',
    'privilege=Admin',
    'scopes=users:write',
    'scope=',
    'scope=a%00b',
    '=admin',
    'privilege=admin&x=1',
  ];

  it('refuses a misspelt, differently cased, bracketed, unknown or repeated rule with 400, never ignoring it', async () => {
    for (const query of NOT_RULES) {
      for (const token of [userJwt, adminJwt]) {
        const res = await ruled(query, token);
        expect([query, res.status]).toEqual([query, 400]);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['x-auth-user']).toBeUndefined();
      }
      // Whatever the credential, or none: the location is misconfigured.
      expect((await forward(`/auth/forward?${query}`)).status).toBe(400);
    }
  });

  describe('on /auth/forward/*, where the query is the app’s own', () => {
    const viaPath = (path: string, token: string, rules?: string) => {
      const req = bearer(token, `/auth/forward${path}`);
      return rules === undefined ? req : req.set('X-Gatehouse-Rules', rules);
    };

    it('never reads the app’s query as rules, of whatever name', async () => {
      for (const query of ['privilege=admin', 'scope=users:write', ...NOT_RULES]) {
        const res = await viaPath(`/orders/17?${query}`, userJwt);
        expect([query, res.status]).toEqual([query, 200]);
        expect(res.headers['x-auth-user']).toBe(user.username);
      }
    });

    it('reads the rules from X-Gatehouse-Rules, in the same syntax', async () => {
      expect((await viaPath('/admin?privilege=user', userJwt, 'privilege=admin')).status).toBe(403);
      expectAdmitted(await viaPath('/admin', adminJwt, 'privilege=admin'));
      expectAdmitted(await viaPath('/x', userJwt, 'scope=profile:read&scope=profile:write'));
      expect((await viaPath('/x', userJwt, 'scope=profile:read&scope=users:write')).status).toBe(
        403,
      );
      expectAdmitted(await viaPath('/x', userJwt, ''));
      expectRefused(
        await forward('/auth/forward/admin').set('X-Gatehouse-Rules', 'privilege=admin'),
      );
    });

    it('refuses with 400 what /auth/forward refuses, in the header', async () => {
      for (const rules of NOT_RULES) {
        const res = await viaPath('/orders', adminJwt, rules);
        expect([rules, res.status]).toEqual([rules, 400]);
        expect(res.headers['cache-control']).toBe('no-store');
      }
      // The header given twice is not one set of rules.
      const twice = await t
        .http()
        .get('/auth/forward/orders')
        .set('Authorization', `Bearer ${adminJwt}`)
        // Sent as two header lines (supertest's types admit an array for Cookie only).
        .set('X-Gatehouse-Rules', ['privilege=admin', 'privilege=admin'] as unknown as string);
      expect(twice.status).toBe(400);
    });

    it('leaves /auth/forward to its query: the header does not count there', async () => {
      expectAdmitted(await bearer(userJwt).set('X-Gatehouse-Rules', 'privilege=admin'));
    });
  });
});

describe('no-store', () => {
  it('is on every answer, the ones no rule or credential decided included', async () => {
    const jwt = await accessTokenFor(t, await newUser());
    const badJson = await t
      .http()
      .post('/auth/forward')
      .set('Authorization', `Bearer ${jwt}`)
      .set('Content-Type', 'application/json')
      .send('{"not json');
    expect(badJson.status).toBe(400);
    expect(badJson.headers['cache-control']).toBe('no-store');

    const identify = vi
      .spyOn(t.app.get(TokenCheckService), 'identify')
      .mockRejectedValue(Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' }));
    try {
      for (const path of ['/auth/forward', '/auth/forward/orders']) {
        const unavailable = await bearer(jwt, path);
        expect(unavailable.status).toBe(503);
        expect(unavailable.headers['cache-control']).toBe('no-store');
      }
    } finally {
      identify.mockRestore();
    }
  });
});

describe('methods and paths', () => {
  it('answers any method on /auth/forward and /auth/forward/*, alike', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    const methods = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'] as const;
    for (const path of ['/auth/forward', '/auth/forward/orders/17', '/auth/forward/']) {
      for (const method of methods) {
        const admitted: Test = t.http()[method](path).set('Authorization', `Bearer ${jwt}`);
        const res = await admitted;
        expect([method, path, res.status]).toEqual([method, path, 200]);
        expect(res.headers['x-auth-user']).toBe(user.username);
        const refused = await t.http()[method](path);
        expect([method, path, refused.status]).toEqual([method, path, 401]);
      }
    }
  });
});

describe('metrics', () => {
  it('counts forward checks as token checks of the service forward-auth, by kind and outcome', async () => {
    const user = await newUser();
    await bearer(await accessTokenFor(t, user));
    await bearer('0a6b4c1e-7e0f-4c8b-9b1a-2f7a5c3d9e10');
    const metrics = (await t.http().get('/metrics')).text;
    expect(metrics).toMatch(
      /gatehouse_token_checks_total\{kind="access-jwt",outcome="valid",service="forward-auth"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /gatehouse_token_checks_total\{kind="user-token",outcome="invalid",service="forward-auth"\} [1-9]/,
    );
  });
});

describe('Basic passwords', () => {
  it('are refused by default, with the Bearer challenge only', async () => {
    const user = await newUser();
    expectRefused(await forward().set('Authorization', basic(user.username, user.password)));
  });

  describe('with FORWARD_AUTH_BASIC=true', () => {
    let b: TestApp;

    beforeAll(async () => {
      b = await startTestApp({
        FORWARD_AUTH_BASIC: 'true',
        TRUST_PROXY: '127.0.0.1,::1,::ffff:127.0.0.1',
        LOGIN_ATTEMPTS_PER_MINUTE: '3',
      });
    });

    afterAll(async () => {
      await b?.close();
    });

    const basicForward = (user: Credentials, client: string, password = user.password) =>
      b
        .http()
        .get('/auth/forward')
        .set('X-Forwarded-For', client)
        .set('Authorization', basic(user.username, password));

    it('admit the right password and name the user; a wrong one gets both challenges', async () => {
      const user = await registerUser(b, uniqueName('basic'), PASSWORD);
      const res = await basicForward(user, '10.0.0.1');
      expectAdmitted(res);
      expect(res.headers['x-auth-user']).toBe(user.username);
      expect(res.headers['x-auth-user-id']).toBe(String(user.id));
      expect(res.headers['x-auth-scope']).toBe(DEFAULT_SCOPE_USER);
      const wrong = await basicForward(user, '10.0.0.2', 'wrong-password');
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toEqual(expect.stringContaining(BEARER_CHALLENGE));
      expect(wrong.headers['www-authenticate']).toEqual(
        expect.stringContaining('Basic realm="gatehouse"'),
      );
    });

    it('count the per-address limit against the client the proxy names', async () => {
      // A pass is kept for its client, so each check the limit counts is another user's.
      const users = await Promise.all(
        [0, 1, 2, 3].map(() => registerUser(b, uniqueName('basic'), PASSWORD)),
      );
      for (const user of users.slice(0, 3)) expectAdmitted(await basicForward(user, '10.0.1.1'));
      const limited = await basicForward(users[3], '10.0.1.1');
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect(limited.headers['cache-control']).toBe('no-store');
      expectAdmitted(await basicForward(users[3], '10.0.1.2'));
    });

    it('lock the account after repeated failures, the right password included', async () => {
      const user = await registerUser(b, uniqueName('basic'), PASSWORD);
      let status = 401;
      for (let i = 0; i < 10 && status === 401; i++) {
        status = (await basicForward(user, `10.0.2.${i}`, 'wrong-password')).status;
      }
      expect(status).toBe(429);
      const locked = await basicForward(user, '10.0.3.1');
      expect(locked.status).toBe(429);
      expect(locked.headers['cache-control']).toBe('no-store');
    });

    it('audit a failed password as a login of forward-auth', async () => {
      const user = await registerUser(b, uniqueName('basic'), PASSWORD);
      await basicForward(user, '10.0.4.1', 'wrong-password');
      const rows = await sql(
        b,
        `SELECT "outcome", "address" FROM "audit_event" WHERE "type" = 'login' AND "api" = 'forward-auth' AND "username" = $1`,
        [user.username],
      );
      expect(rows).toEqual([{ outcome: 'failure', address: '10.0.4.1' }]);
    });
  });
});
