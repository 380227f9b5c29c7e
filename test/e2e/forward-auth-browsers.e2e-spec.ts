import { createHash, randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { controlClock } from '../support/clock.js';
import {
  accessTokenFor,
  type Credentials,
  enrolTotp,
  type LiveSessionCredential,
  sessionFor,
  withSession,
} from '../support/credentials.js';
import { registerUser, sql, uniqueName } from '../support/fixtures.js';
import { KeptBasicPasses } from '../../src/identity/kept-basic-passes.js';
import { PasswordHasher } from '../../src/password-hashing/password-hasher.service.js';

/**
 * Forward authentication for people in browsers: the sign-in portal's cookie as a credential,
 * `signin=redirect` sending a browser's page load without one to the portal, and Basic passwords
 * kept for a while so that a page and its assets cost one bcrypt and one counted attempt.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'fwd-admin', password: 'admin-password-123' };
const PORTAL_COOKIE = 'gatehouse_session';
const PUBLIC_URL = 'https://auth.gatehouse.test';
const BEARER_CHALLENGE = 'Bearer realm="gatehouse"';

type Answer = { status: number; headers: Record<string, unknown>; text: string };

function expectAdmitted(res: Answer, username: string) {
  expect(res.status).toBe(200);
  expect(res.headers['x-auth-user']).toBe(username);
  expect(res.headers['cache-control']).toBe('no-store');
}

function expectRefused(res: Answer) {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toEqual(expect.stringContaining(BEARER_CHALLENGE));
  expect(res.headers['location']).toBeUndefined();
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.text).toBe('');
}

/** The portal's cookie for a session: the sid followed directly by its secret. */
function portalCookie(session: LiveSessionCredential): string {
  return `${PORTAL_COOKIE}=${session.sid}${session.secret}`;
}

async function adminCall(
  t: TestApp,
  method: 'patch' | 'post' | 'delete',
  path: string,
  body?: object,
): Promise<void> {
  const jwt = await accessTokenFor(t, ADMIN);
  const res = await t.http()[method](path).set('Authorization', `Bearer ${jwt}`).send(body);
  expect(res.status).toBeLessThan(300);
}

const disable = (t: TestApp, user: { id: number }) =>
  adminCall(t, 'patch', `/api/admin/users/${user.id}`, { enabled: false });
const resetPassword = (t: TestApp, user: { id: number }) =>
  adminCall(t, 'post', `/api/admin/users/${user.id}/password`, { password: 'another-pass-4567' });
const endAll = (t: TestApp, user: { id: number }) =>
  adminCall(t, 'delete', `/api/admin/users/${user.id}/credentials`);

describe('the sign-in portal’s cookie', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  });

  afterAll(async () => {
    await t?.close();
  });

  const forward = (cookie: string) => t.http().get('/auth/forward').set('Cookie', cookie);
  const newUser = () => registerUser(t, uniqueName('portal'), PASSWORD);

  it('admits a live session carried as the sid and its secret, and names its user', async () => {
    const user = await newUser();
    const session = await sessionFor(t, user);
    const res = await forward(portalCookie(session));
    expectAdmitted(res, user.username);
    expect(res.headers['x-auth-user-id']).toBe(String(user.id));
    expect(res.headers['x-auth-scope']).toBe('profile:read profile:write');
    // Envoy's route, where the app's path and query follow.
    const viaPath = await t
      .http()
      .get('/auth/forward/orders?x=1')
      .set('Cookie', portalCookie(session));
    expectAdmitted(viaPath, user.username);
  });

  it('refuses a malformed value, a wrong secret and an unknown sid', async () => {
    const session = await sessionFor(t, await newUser());
    for (const value of [
      session.secret,
      `${session.sid}${'0'.repeat(64)}`,
      `${session.sid}${session.secret}x`,
      `${session.sid} ${session.secret}`,
      `2147483647${session.secret}`,
      '',
    ]) {
      expectRefused(await forward(`${PORTAL_COOKIE}=${value}`));
    }
  });

  it('is ended by a logout, an end-all, a password change and a disable', async () => {
    const holder = await newUser();
    const loggedOut = await sessionFor(t, holder);
    expectAdmitted(await forward(portalCookie(loggedOut)), holder.username);
    const logout = await withSession(t.http().post(`/auth/logout/${loggedOut.sid}`), loggedOut);
    expect(logout.status).toBeLessThan(300);
    expectRefused(await forward(portalCookie(loggedOut)));

    for (const end of [endAll, resetPassword, disable]) {
      const user = await newUser();
      const session = await sessionFor(t, user);
      expectAdmitted(await forward(portalCookie(session)), user.username);
      await end(t, user);
      expect([end.name, (await forward(portalCookie(session))).status]).toEqual([end.name, 401]);
    }
  });

  it('gives way to an Authorization header, live or not, which is the credential when sent', async () => {
    const cookieHolder = await newUser();
    const headerHolder = await newUser();
    const cookie = portalCookie(await sessionFor(t, cookieHolder));
    const jwt = await accessTokenFor(t, headerHolder);
    expectAdmitted(
      await forward(cookie).set('Authorization', `Bearer ${jwt}`),
      headerHolder.username,
    );
    // A dead or malformed header is not made up for by the cookie.
    expectRefused(await forward(cookie).set('Authorization', 'Bearer not-a-token'));
    expectRefused(await forward(cookie).set('Authorization', 'Token abc'));
  });

  it('comes before the session API’s cookie, which does not make up for a dead one', async () => {
    const portalUser = await newUser();
    const apiUser = await newUser();
    const portalSession = await sessionFor(t, portalUser);
    const apiSession = await sessionFor(t, apiUser);
    const both = (portal: string) =>
      t
        .http()
        .get('/auth/forward')
        .set('X-Session-Id', apiSession.sid)
        .set('Cookie', `${portal}; GCN_SESSION_SECRET=${apiSession.secret}`);
    expectAdmitted(await both(portalCookie(portalSession)), portalUser.username);
    expectRefused(await both(`${PORTAL_COOKIE}=${portalSession.sid}${'0'.repeat(64)}`));
    // Alone, the session API's cookie still counts.
    expectAdmitted(await withSession(t.http().get('/auth/forward'), apiSession), apiUser.username);
  });

  it('is read under the name BROWSER_COOKIE_NAME gives', async () => {
    const named = await startTestApp({ BROWSER_COOKIE_NAME: 'portal_sid' });
    try {
      const user = await registerUser(named, uniqueName('portal'), PASSWORD);
      const session = await sessionFor(named, user);
      const value = `${session.sid}${session.secret}`;
      const ask = (cookie: string) => named.http().get('/auth/forward').set('Cookie', cookie);
      expectAdmitted(await ask(`portal_sid=${value}`), user.username);
      expectRefused(await ask(`${PORTAL_COOKIE}=${value}`));
    } finally {
      await named.close();
    }
  });
});

describe('signin=redirect', () => {
  let r: TestApp;
  let untrusted: TestApp;

  beforeAll(async () => {
    r = await startTestApp({ PUBLIC_URL, TRUST_PROXY: '127.0.0.1,::1' });
    untrusted = await startTestApp({ PUBLIC_URL });
  });

  afterAll(async () => {
    await r?.close();
    await untrusted?.close();
  });

  const ORIGINAL = 'https://app.gatehouse.test/orders/17?x=1&y=%C3%A9';
  const SIGNIN = `${PUBLIC_URL}/signin?rd=${encodeURIComponent(ORIGINAL)}`;
  const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

  /** A browser's page load as Traefik or Caddy forwards it. */
  const pageLoad = (app: TestApp, path = '/auth/forward?signin=redirect', method = 'GET') =>
    app
      .http()
      [method === 'HEAD' ? 'head' : 'get'](path)
      .set('Accept', HTML)
      .set('X-Forwarded-Method', method)
      .set('X-Forwarded-Proto', 'https')
      .set('X-Forwarded-Host', 'app.gatehouse.test')
      .set('X-Forwarded-Uri', '/orders/17?x=1&y=%C3%A9');

  function expectSentToSignin(res: Answer) {
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe(SIGNIN);
    expect(new URL(res.headers['location'] as string).searchParams.get('rd')).toBe(ORIGINAL);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['www-authenticate']).toBeUndefined();
    // A HEAD's answer has no body at all.
    expect(res.text ?? '').toBe('');
  }

  it('sends a browser’s GET or HEAD without a credential to the sign-in page, rd the original URL', async () => {
    expectSentToSignin(await pageLoad(r));
    expectSentToSignin(await pageLoad(r, '/auth/forward?signin=redirect', 'HEAD'));
    // Envoy's route: the rules in the header.
    expectSentToSignin(
      await pageLoad(r, '/auth/forward/orders/17').set('X-Gatehouse-Rules', 'signin=redirect'),
    );
    // Without X-Forwarded-Method, the request's own method.
    expectSentToSignin(
      await r
        .http()
        .get('/auth/forward?signin=redirect&privilege=admin')
        .set('Accept', 'text/html')
        .set('X-Original-URL', ORIGINAL),
    );
  });

  it('sends a dead credential there too, and lets a live one through', async () => {
    expectSentToSignin(await pageLoad(r).set('Authorization', 'Bearer not-a-token'));
    expectSentToSignin(await pageLoad(r).set('Cookie', `${PORTAL_COOKIE}=${'1'.repeat(65)}`));
    const user = await registerUser(r, uniqueName('rd'), PASSWORD);
    const session = await sessionFor(r, user);
    expectAdmitted(await pageLoad(r).set('Cookie', portalCookie(session)), user.username);
  });

  it('keeps the 401 for what is not a browser’s page load', async () => {
    expectRefused(await pageLoad(r, '/auth/forward?signin=redirect', 'POST'));
    expectRefused(await pageLoad(r).set('X-Forwarded-Method', 'DELETE'));
    expectRefused(await pageLoad(r).set('Accept', 'application/json'));
    expectRefused(await pageLoad(r).set('Accept', 'text/html;q=0, application/json'));
    const noAccept = await r
      .http()
      .get('/auth/forward?signin=redirect')
      .set('X-Original-URL', ORIGINAL);
    expectRefused(noAccept);
    // A POST to the forward route itself, as a proxy asking with the original method does.
    expectRefused(
      await r
        .http()
        .post('/auth/forward?signin=redirect')
        .set('Accept', HTML)
        .set('X-Original-URL', ORIGINAL),
    );
  });

  it('keeps the 401 when the proxy does not say where the browser was going', async () => {
    expectRefused(await pageLoad(r).unset('X-Forwarded-Host'));
    expectRefused(await pageLoad(r).set('X-Forwarded-Proto', 'ftp'));
    expectRefused(await pageLoad(r).set('X-Forwarded-Host', 'evil.test/x@app.gatehouse.test'));
    expectRefused(await pageLoad(r).set('X-Forwarded-Uri', 'orders'));
    const userInfo = await r
      .http()
      .get('/auth/forward?signin=redirect')
      .set('Accept', HTML)
      .set('X-Original-URL', 'https://me:pw@app.gatehouse.test/');
    expectRefused(userInfo);
  });

  it('keeps the 401 without the rule, and from a proxy not in TRUST_PROXY', async () => {
    expectRefused(await pageLoad(r, '/auth/forward'));
    expectRefused(await pageLoad(r, '/auth/forward/orders/17'));
    expectRefused(await pageLoad(untrusted));
  });

  it('refuses a misspelt or repeated signin rule with 400', async () => {
    for (const rules of [
      'signin=Redirect',
      'signin=',
      'signin',
      'Signin=redirect',
      'sign-in=redirect',
      'signin=redirect&signin=redirect',
    ]) {
      const res = await pageLoad(r, `/auth/forward?${rules}`);
      expect([rules, res.status]).toEqual([rules, 400]);
      expect(res.headers['cache-control']).toBe('no-store');
      const viaHeader = await pageLoad(r, '/auth/forward/x').set('X-Gatehouse-Rules', rules);
      expect([rules, viaHeader.status]).toEqual([rules, 400]);
    }
  });
});

describe('Basic passwords kept for a page and its assets', () => {
  let b: TestApp;

  beforeAll(async () => {
    b = await startTestApp({
      FORWARD_AUTH_BASIC: 'true',
      TRUST_PROXY: '127.0.0.1,::1,::ffff:127.0.0.1',
      // Low enough that counting every request would refuse most of a page's assets.
      LOGIN_ATTEMPTS_PER_MINUTE: '5',
      TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
  });

  afterAll(async () => {
    await b?.close();
  });

  const newUser = () => registerUser(b, uniqueName('kept'), PASSWORD);
  const basicForward = (user: Credentials, client: string, password = user.password) =>
    b
      .http()
      .get('/auth/forward')
      .set('X-Forwarded-For', client)
      .set('Authorization', basic(user.username, password));

  /** bcrypt compares, counted from here on. */
  function watchCompares(): { count: () => number; restore: () => void } {
    const spy = vi.spyOn(b.app.get(PasswordHasher), 'verifyLogin');
    return { count: () => spy.mock.calls.length, restore: () => spy.mockRestore() };
  }

  async function loginsOf(user: Credentials): Promise<string[]> {
    const rows = await sql(
      b,
      `SELECT "outcome" FROM "audit_event" WHERE "type" = 'login' AND "api" = 'forward-auth' AND "username" = $1 ORDER BY "id"`,
      [user.username],
    );
    return (rows as { outcome: string }[]).map((row) => row.outcome);
  }

  async function forwardLogins(): Promise<number> {
    const metrics = (await b.http().get('/metrics')).text;
    const line = /gatehouse_logins_total\{api="forward-auth",outcome="success"\} (\d+)/.exec(
      metrics,
    );
    return Number(line?.[1] ?? 0);
  }

  it('cost one bcrypt and one counted attempt for 50 requests, none refused', async () => {
    const user = await newUser();
    const loginsBefore = await forwardLogins();
    const compares = watchCompares();
    try {
      // The page first, then its assets together, as a browser loads them.
      const answers = [await basicForward(user, '10.1.0.1')];
      answers.push(
        ...(await Promise.all(Array.from({ length: 49 }, () => basicForward(user, '10.1.0.1')))),
      );
      for (const res of answers) expectAdmitted(res, user.username);
      expect(compares.count()).toBe(1);
    } finally {
      compares.restore();
    }
    expect(await loginsOf(user)).toEqual(['success']);
    expect((await forwardLogins()) - loginsBefore).toBe(1);
  });

  it('cost one bcrypt for requests sent all at once, before any was answered', async () => {
    const user = await newUser();
    const compares = watchCompares();
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => basicForward(user, '10.1.3.1')),
      );
      for (const res of answers) expectAdmitted(res, user.username);
      expect(compares.count()).toBe(1);
    } finally {
      compares.restore();
    }
    expect(await loginsOf(user)).toEqual(['success']);
  });

  it('neither keep nor share a pass that took a second-factor code: each code is taken once', async () => {
    const user = await newUser();
    // Enrolled from an address of its own, so that its logins count against no other test's.
    const { recoveryCodes } = await enrolTotp(b, user, (secret) => generateSync({ secret }), {
      'X-Forwarded-For': '10.1.8.2',
    });
    const [first, second] = recoveryCodes;
    const withCode = (code?: string) => {
      const request = basicForward(user, '10.1.8.1');
      return code === undefined ? request : request.set('X-OTP', code);
    };

    expectAdmitted(await withCode(first), user.username);
    // Not served from a kept pass: without a code the password alone does not pass.
    expect((await withCode()).status).toBe(401);
    const racing = await Promise.all([withCode(second), withCode(second), withCode(second)]);
    expect(racing.filter((res) => res.status === 200)).toHaveLength(1);
  });

  it('are kept for the client that proved them: another address is checked anew', async () => {
    const user = await newUser();
    const compares = watchCompares();
    try {
      expectAdmitted(await basicForward(user, '10.1.1.1'), user.username);
      expectAdmitted(await basicForward(user, '10.1.1.1'), user.username);
      expectAdmitted(await basicForward(user, '10.1.1.2'), user.username);
      expect(compares.count()).toBe(2);
    } finally {
      compares.restore();
    }
  });

  it('check a wrong password every time, kept pass or not', async () => {
    const user = await newUser();
    expectAdmitted(await basicForward(user, '10.1.2.1'), user.username);
    const compares = watchCompares();
    try {
      for (let i = 0; i < 2; i++) {
        const wrong = await basicForward(user, '10.1.2.1', 'wrong-password');
        expectRefused(wrong);
      }
      expect(compares.count()).toBe(2);
    } finally {
      compares.restore();
    }
    expect(await loginsOf(user)).toEqual(['success', 'failure', 'failure']);
  });

  it('end at once on a password change, a disable and an end-all through the admin API', async () => {
    for (const [index, end] of [resetPassword, disable, endAll].entries()) {
      const user = await newUser();
      const client = `10.1.3.${index}`;
      expectAdmitted(await basicForward(user, client), user.username);
      expectAdmitted(await basicForward(user, client), user.username);
      await end(b, user);
      const compares = watchCompares();
      try {
        const after = await basicForward(user, client);
        if (end === endAll) {
          // The password stays: checked anew (a bcrypt), and right.
          expectAdmitted(after, user.username);
        } else {
          expect([end.name, after.status]).toEqual([end.name, 401]);
        }
        expect([end.name, compares.count()]).toEqual([end.name, 1]);
      } finally {
        compares.restore();
      }
    }
  });

  it('are not served while the account is locked', async () => {
    const user = await newUser();
    expectAdmitted(await basicForward(user, '10.1.4.1'), user.username);
    let status = 401;
    for (let i = 0; i < 10 && status === 401; i++) {
      status = (await basicForward(user, `10.1.5.${i}`, 'wrong-password')).status;
    }
    expect(status).toBe(429);
    const locked = await basicForward(user, '10.1.4.1');
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  });

  it('end after FORWARD_AUTH_BASIC_CACHE_SECONDS', async () => {
    const user = await newUser();
    const clock = controlClock(b);
    const compares = watchCompares();
    try {
      expectAdmitted(await basicForward(user, '10.1.6.1'), user.username);
      clock.advance(59_000);
      expectAdmitted(await basicForward(user, '10.1.6.1'), user.username);
      expect(compares.count()).toBe(1);
      clock.advance(1_000);
      expectAdmitted(await basicForward(user, '10.1.6.1'), user.username);
      expect(compares.count()).toBe(2);
    } finally {
      compares.restore();
      clock.restore();
    }
  });

  it('are kept under a keyed hash, never the password or a plain hash of it', async () => {
    const password = `kept-${uniqueName('pw')}`;
    const user = await registerUser(b, uniqueName('kept'), password);
    expectAdmitted(await basicForward(user, '10.1.7.1'), user.username);
    const kept = Reflect.get(b.app.get(KeptBasicPasses), 'kept') as object;
    const keys = [...(Reflect.get(kept, 'kept') as { keys(): Iterable<unknown> }).keys()].map(
      String,
    );
    expect(keys.length).toBeGreaterThan(0);
    const plain = [
      password,
      basic(user.username, password),
      ...['sha256', 'sha1', 'md5'].flatMap((algorithm) =>
        ['hex', 'base64', 'base64url'].map((encoding) =>
          createHash(algorithm)
            .update(password)
            .digest(encoding as 'hex'),
        ),
      ),
      createHash('sha256').update(`${user.username}:${password}`).digest('base64url'),
    ];
    for (const key of keys) for (const text of plain) expect(key).not.toContain(text);
  });

  it('are not kept with FORWARD_AUTH_BASIC_CACHE_SECONDS=0', async () => {
    const off = await startTestApp({
      FORWARD_AUTH_BASIC: 'true',
      FORWARD_AUTH_BASIC_CACHE_SECONDS: '0',
    });
    const spy = vi.spyOn(off.app.get(PasswordHasher), 'verifyLogin');
    try {
      const user = await registerUser(off, uniqueName('off'), PASSWORD);
      for (let i = 0; i < 3; i++) {
        const res = await off
          .http()
          .get('/auth/forward')
          .set('Authorization', basic(user.username, PASSWORD));
        expectAdmitted(res, user.username);
      }
      expect(spy.mock.calls.length).toBe(3);
    } finally {
      spy.mockRestore();
      await off.close();
    }
  });
});
