import { Logger } from '@nestjs/common';
import { generateSync } from 'otplib';
import type { Response } from 'supertest';
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor, enrolTotp } from '../support/credentials.js';
import { BrowserState } from '../support/browser.js';
import { registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * The sign-in portal, as a browser uses it: its forms, its cookies and its redirects, over HTTP,
 * what the browser keeps between answers held by a BrowserState.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'portal-admin', password: 'admin-password-123' };
const TITLE = 'Acme <Sign-in> & Co';
const SESSION_COOKIE = 'gatehouse_session';
const STEP_MS = 30_000;
const TOTP_ENCRYPTION_KEY = randomBytes(32).toString('base64');

function setCookiesOf(res: Response): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

/** The Set-Cookie of `name`, split into its attributes (lower-cased names), or undefined. */
function cookieOf(res: Response, name: string): Map<string, string> | undefined {
  const header = setCookiesOf(res).find((cookie) => cookie.startsWith(`${name}=`));
  if (!header) return undefined;
  return new Map(
    header.split(';').map((part, index) => {
      const [key, ...rest] = part.trim().split('=');
      return [index === 0 ? 'value' : key.toLowerCase(), rest.join('=')] as [string, string];
    }),
  );
}

let t: TestApp;
let clock: TestClock;
let adminJwt: string;

beforeAll(async () => {
  t = await startTestApp({
    PORTAL_TITLE: TITLE,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    TOTP_ENCRYPTION_KEY,
  });
  clock = controlClock(t);
  adminJwt = await accessTokenFor(t, ADMIN);
});

afterAll(async () => {
  clock.restore();
  await t.close();
});

async function get(app: TestApp, browser: BrowserState, path: string): Promise<Response> {
  const res = await app.http().get(path).set('Cookie', browser.cookieHeader());
  browser.absorb(res);
  return res;
}

async function post(
  app: TestApp,
  browser: BrowserState,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const res = await app
    .http()
    .post(path)
    .set('Cookie', browser.cookieHeader())
    .set(headers)
    .type('form')
    .send(fields);
  browser.absorb(res);
  return res;
}

/** The first step of a sign-in, from the form's page: username and password. */
async function submitPassword(
  app: TestApp,
  browser: BrowserState,
  username: string,
  password: string,
  rd?: string,
): Promise<Response> {
  await get(app, browser, rd ? `/signin?rd=${encodeURIComponent(rd)}` : '/signin');
  return post(app, browser, '/signin', {
    _csrf: browser.token,
    username,
    password,
    ...(rd && { rd }),
  });
}

/** A browser signed in as `user`: its session cookie's value. */
async function signedIn(
  app: TestApp,
  user: TestUser,
): Promise<{ browser: BrowserState; value: string }> {
  const browser = new BrowserState();
  const res = await submitPassword(app, browser, user.username, user.password);
  expect(res.status).toBe(303);
  return { browser, value: browser.cookies.get(SESSION_COOKIE)! };
}

async function validates(app: TestApp, value: string): Promise<boolean> {
  const res = await app.http().get(`/auth/validate/${value}`);
  return res.status === 200;
}

async function sessionRows(user: TestUser): Promise<number> {
  const [row] = await sql(t, 'SELECT COUNT(*) AS n FROM "session" WHERE "userId" = $1', [user.id]);
  return Number(row.n);
}

const createUser = () => registerUser(t, uniqueName('portal'), PASSWORD);

describe('the sign-in page', () => {
  it('is HTML under a strict Content-Security-Policy, named by PORTAL_TITLE, with nothing from elsewhere', async () => {
    const res = await get(t, new BrowserState(), '/signin');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+={0,2}'(;|$)/);
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // The page offers a passkey: it runs the portal's own two scripts, by this answer's nonce,
    // and may ask the portal itself (the options of a passkey sign-in), nothing else.
    const nonce = /script-src 'nonce-([A-Za-z0-9+/]{24})'(;|$)/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toMatch(/connect-src 'self'(;|$)/);
    const scripts = [...res.text.matchAll(/<script([^>]*)>/g)].map(([, attributes]) =>
      attributes.replace(/\?v=[A-Za-z0-9_-]{16}"/, '?v="'),
    );
    expect(scripts).toEqual([
      ` nonce="${nonce}" src="/portal/scripts/webauthn.js?v=" defer`,
      ` nonce="${nonce}" src="/portal/scripts/passkeys.js?v=" defer`,
    ]);
    expect(res.text).not.toMatch(/\son[a-z]+=|\bstyle="/i);
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(res.text).not.toMatch(/https?:\/\//);
    // The title is escaped where it is printed.
    expect(res.text).toContain('Acme &lt;Sign-in&gt; &amp; Co');
    expect(res.text).not.toContain(TITLE);
    expect(res.text).toContain(
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
    );
    expect(res.text).toContain('<label for="username">');
    expect(res.text).toContain('<label for="password">');
    expect(res.text).toMatch(/<input id="password" name="password" type="password"/);
    expect(res.text).toContain(':focus-visible');
  });

  it('holds its style element to the hash the policy allows', async () => {
    const { createHash } = await import('node:crypto');
    const res = await get(t, new BrowserState(), '/signin');
    const css = /<style>([\s\S]*?)<\/style>/.exec(res.text)![1];
    const hash = createHash('sha256').update(css).digest('base64');
    expect(res.headers['content-security-policy']).toContain(`style-src 'sha256-${hash}'`);
  });

  it('answers OPTIONS as every other path does, and is not in the OpenAPI document', async () => {
    for (const path of ['/signin', '/signout', '/account']) {
      const res = await t.http().options(path);
      expect(res.status, path).toBe(204);
      expect(res.headers.allow, path).toContain('GET');
    }
    const document = await t.http().get('/docs-json');
    expect(Object.keys(document.body.paths as object)).not.toEqual(
      expect.arrayContaining(['/signin']),
    );
    for (const path of ['/signin', '/signout', '/account']) {
      expect(document.body.paths[path], path).toBeUndefined();
    }
  });
});

describe('signing in with a password', () => {
  it('starts a session of the one table, in one cookie, and sends the browser to /account', async () => {
    const user = await createUser();
    const browser = new BrowserState();
    const res = await submitPassword(t, browser, user.username, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    const cookie = cookieOf(res, SESSION_COOKIE)!;
    expect(cookie.get('value')).toMatch(/^[1-9][0-9]*[0-9a-f]{64}$/);
    expect(cookie.has('httponly')).toBe(true);
    expect(cookie.get('samesite')).toBe('Lax');
    expect(cookie.get('path')).toBe('/');
    expect(cookie.get('max-age')).toBe('86400');
    expect(cookie.has('secure')).toBe(false);
    expect(cookie.has('domain')).toBe(false);

    const value = cookie.get('value')!;
    expect(await validates(t, value)).toBe(true);
    const sid = Number(value.slice(0, -64));
    const listed = await t
      .http()
      .get(`/api/admin/users/${user.id}/sessions`)
      .set('Authorization', `Bearer ${adminJwt}`);
    expect(listed.status).toBe(200);
    expect((listed.body as { sid: number }[]).map((session) => session.sid)).toEqual([sid]);

    const account = await get(t, browser, '/account');
    expect(account.status).toBe(200);
    expect(account.text).toContain(`<dd>${user.username}</dd>`);
    expect(account.text).toContain('action="/signout"');
  });

  it('answers a wrong password and an unknown name with the same page, 401', async () => {
    const user = await createUser();
    const wrong = await submitPassword(t, new BrowserState(), user.username, 'not-the-password');
    const unknown = await submitPassword(
      t,
      new BrowserState(),
      user.username.replace('portal', 'nobody'),
      PASSWORD,
    );
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.text).toContain('role="alert"');
      expect(res.text).toContain('The username or password is not right.');
      expect(cookieOf(res, SESSION_COOKIE)).toBeUndefined();
    }
    const same = (res: Response) =>
      res.text.replace(/value="[^"]*"/g, 'value=""').replace(/nonce="[^"]*"/g, 'nonce=""');
    expect(same(unknown)).toBe(same(wrong));
    expect(await sessionRows(user)).toBe(0);
  });

  it('locks after five failures: 429 with Retry-After, saying how long, even for the right password', async () => {
    const user = await createUser();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect(
        (await submitPassword(t, new BrowserState(), user.username, 'wrong-password-1')).status,
      ).toBe(401);
    }
    const locked = await submitPassword(t, new BrowserState(), user.username, 'wrong-password-1');
    const right = await submitPassword(t, new BrowserState(), user.username, PASSWORD);
    for (const res of [locked, right]) {
      expect(res.status).toBe(429);
      const seconds = Number(res.headers['retry-after']);
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(30);
      expect(res.text).toContain(`Too many attempts, try again in ${seconds} s.`);
      expect(res.text).toContain('role="alert"');
    }
    expect(await sessionRows(user)).toBe(0);
    const [event] = await sql(
      t,
      `SELECT "api" FROM "audit_event" WHERE "userId" = $1 AND "type" = 'login' ORDER BY "id" DESC`,
      [user.id],
    );
    expect(event.api).toBe('portal');
  });

  it('asks for both fields without counting a failure', async () => {
    const user = await createUser();
    const res = await submitPassword(t, new BrowserState(), user.username, '');
    expect(res.status).toBe(400);
    const [row] = await sql(t, 'SELECT "failedLoginCount" FROM "user" WHERE "id" = $1', [user.id]);
    expect(Number(row.failedLoginCount)).toBe(0);
  });
});

describe('the session ends where every session ends', () => {
  it.each([
    [
      "an admin's end all credentials",
      (user: TestUser) =>
        t
          .http()
          .delete(`/api/admin/users/${user.id}/credentials`)
          .set('Authorization', `Bearer ${adminJwt}`),
    ],
    [
      'a password change',
      async (user: TestUser) =>
        t
          .http()
          .post('/api/me/password')
          .set('Authorization', `Bearer ${await accessTokenFor(t, user)}`)
          .send({ oldPassword: PASSWORD, newPassword: 'a-brand-new-password-9' }),
    ],
    [
      'a disable',
      (user: TestUser) =>
        t
          .http()
          .patch(`/api/admin/users/${user.id}`)
          .set('Authorization', `Bearer ${adminJwt}`)
          .send({ enabled: false }),
    ],
  ])('%s', async (_name, end) => {
    const user = await createUser();
    const { browser, value } = await signedIn(t, user);
    expect(await validates(t, value)).toBe(true);
    const res = await end(user);
    expect(res.status).toBeLessThan(300);
    expect(await validates(t, value)).toBe(false);
    const account = await get(t, browser, '/account');
    expect(account.status).toBe(303);
  });
});

describe('a second factor', () => {
  interface Enrolled {
    user: TestUser;
    secret: string;
    recoveryCodes: string[];
  }

  const codeFor = (secret: string) =>
    generateSync({ secret, epoch: Math.floor(clock.nowMs() / 1000) });

  async function enrolledUser(): Promise<Enrolled> {
    const user = await createUser();
    const enrolled = await enrolTotp(t, user, codeFor);
    clock.advance(STEP_MS);
    return { user, ...enrolled };
  }

  async function secondStep(
    browser: BrowserState,
    code: string,
    pending?: string,
  ): Promise<Response> {
    return post(t, browser, '/signin', { _csrf: browser.token, pending: pending ?? '', code });
  }

  const pendingOf = (res: Response) => /name="pending" value="([^"]+)"/.exec(res.text)![1];

  it('asks for the code after the right password, never keeping the password, and signs in with it', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new BrowserState();
    const first = await submitPassword(t, browser, user.username, PASSWORD);
    expect(first.status).toBe(200);
    expect(first.text).toContain('<label for="code">');
    expect(first.text).not.toContain(PASSWORD);
    expect(cookieOf(first, SESSION_COOKIE)).toBeUndefined();
    const pending = pendingOf(first);
    expect(pending).not.toContain(Buffer.from(PASSWORD).toString('base64url'));
    const res = await secondStep(browser, codeFor(secret), pending);
    expect(res.status).toBe(303);
    expect(await validates(t, browser.cookies.get(SESSION_COOKIE)!)).toBe(true);
  });

  it('takes a recovery code', async () => {
    const { user, recoveryCodes } = await enrolledUser();
    const browser = new BrowserState();
    const pending = pendingOf(await submitPassword(t, browser, user.username, PASSWORD));
    const res = await secondStep(browser, recoveryCodes[0], pending);
    expect(res.status).toBe(303);
    expect(await validates(t, browser.cookies.get(SESSION_COOKIE)!)).toBe(true);
  });

  it('counts a wrong code towards the lock, and a good one then clears the count', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new BrowserState();
    const pending = pendingOf(await submitPassword(t, browser, user.username, PASSWORD));
    const failures = async () =>
      Number(
        (await sql(t, 'SELECT "failedLoginCount" FROM "user" WHERE "id" = $1', [user.id]))[0]
          .failedLoginCount,
      );
    const before = await failures();
    const wrong = await secondStep(
      browser,
      '000000' === codeFor(secret) ? '111111' : '000000',
      pending,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That code is not right');
    expect(wrong.text).toContain('role="alert"');
    expect(await failures()).toBe(before + 1);
    expect(await sessionRows(user)).toBe(0);
    const res = await secondStep(browser, codeFor(secret), pendingOf(wrong));
    expect(res.status).toBe(303);
    expect(await failures()).toBe(0);
  });

  it('locks after wrong codes with 429 and Retry-After', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new BrowserState();
    let res = await submitPassword(t, browser, user.username, PASSWORD);
    const wrongCode = codeFor(secret) === '000000' ? '111111' : '000000';
    for (let attempt = 0; attempt < 5 && res.status !== 429; attempt += 1) {
      res = await secondStep(browser, wrongCode, pendingOf(res));
    }
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(res.text).toContain(`Too many attempts, try again in ${res.headers['retry-after']} s.`);
    const good = await secondStep(browser, codeFor(secret), pendingOf(res));
    expect(good.status).toBe(429);
    expect(await sessionRows(user)).toBe(0);
  });

  it('refuses a pending step from another browser, a forged one, and one past its time', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new BrowserState();
    const pending = pendingOf(await submitPassword(t, browser, user.username, PASSWORD));
    const other = new BrowserState();
    await get(t, other, '/signin');
    expect((await secondStep(other, codeFor(secret), pending)).status).toBe(401);
    const forged = pending.replace(/^[0-9]+/, String(user.id + 1));
    expect((await secondStep(browser, codeFor(secret), forged)).status).toBe(401);
    clock.advance(5 * 60_000 + 1);
    const late = await secondStep(browser, codeFor(secret), pending);
    expect(late.status).toBe(401);
    expect(late.text).toContain('Signing in took too long');
    expect(await sessionRows(user)).toBe(0);
  });
});

describe('forms from elsewhere', () => {
  it.each([
    ['without a token', (browser: BrowserState) => ({ fields: {}, headers: {}, browser })],
    [
      'with a wrong token',
      (browser: BrowserState) => ({ fields: { _csrf: `${browser.token}x` }, headers: {}, browser }),
    ],
    [
      "with another browser's token",
      (_browser: BrowserState, other: BrowserState) => ({
        fields: { _csrf: other.token },
        headers: {},
        browser: _browser,
      }),
    ],
    [
      'without the token cookie',
      (browser: BrowserState) => ({
        fields: { _csrf: browser.token },
        headers: {},
        browser: new BrowserState(),
      }),
    ],
    [
      'from a foreign Origin',
      (browser: BrowserState) => ({
        fields: { _csrf: browser.token },
        headers: { Origin: 'https://evil.test' },
        browser,
      }),
    ],
    [
      'from Origin null',
      (browser: BrowserState) => ({
        fields: { _csrf: browser.token },
        headers: { Origin: 'null' },
        browser,
      }),
    ],
    [
      'from a cross-site fetch',
      (browser: BrowserState) => ({
        fields: { _csrf: browser.token },
        headers: { 'Sec-Fetch-Site': 'cross-site' },
        browser,
      }),
    ],
  ])('refuses a sign-in %s: 403, and no session', async (_name, forge) => {
    const user = await createUser();
    const browser = new BrowserState();
    const other = new BrowserState();
    await get(t, browser, '/signin');
    await get(t, other, '/signin');
    const { fields, headers, browser: sender } = forge(browser, other);
    const res = await post(
      t,
      sender,
      '/signin',
      { ...fields, username: user.username, password: PASSWORD },
      headers,
    );
    expect(res.status).toBe(403);
    expect(res.text).toContain('role="alert"');
    expect(cookieOf(res, SESSION_COOKIE)).toBeUndefined();
    expect(await sessionRows(user)).toBe(0);
  });

  it("takes the portal's own Origin", async () => {
    const user = await createUser();
    const browser = new BrowserState();
    await get(t, browser, '/signin');
    const res = await post(
      t,
      browser,
      '/signin',
      { _csrf: browser.token, username: user.username, password: PASSWORD },
      { Origin: 'http://portal.internal:8080', Host: 'portal.internal:8080' },
    );
    expect(res.status).toBe(303);
  });

  it('refuses a sign-out without its token, and the session lives on', async () => {
    const user = await createUser();
    const { browser, value } = await signedIn(t, user);
    const res = await post(t, browser, '/signout', { _csrf: 'nope' });
    expect(res.status).toBe(403);
    expect(await validates(t, value)).toBe(true);
  });
});

describe('signing out', () => {
  it('shows a button, then ends the session and expires the cookie', async () => {
    const user = await createUser();
    const { browser, value } = await signedIn(t, user);
    const page = await get(t, browser, '/signout');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<button type="submit">Sign out</button>');
    expect(await validates(t, value)).toBe(true);
    const res = await post(t, browser, '/signout', { _csrf: browser.token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signin');
    const cookie = cookieOf(res, SESSION_COOKIE)!;
    expect(cookie.get('value')).toBe('');
    expect(cookie.get('expires')).toContain('1970');
    expect(cookie.has('httponly')).toBe(true);
    expect(cookie.get('samesite')).toBe('Lax');
    expect(cookie.get('path')).toBe('/');
    expect(await validates(t, value)).toBe(false);
    expect(await sessionRows(user)).toBe(0);
  });

  it('sends a signed-out browser from /account to sign in, and back', async () => {
    const res = await get(t, new BrowserState(), '/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(
      `/signin?rd=${encodeURIComponent(`${t.config.publicUrl}/account`)}`,
    );
  });
});

describe('behind a domain, over https', () => {
  let https: TestApp;

  beforeAll(async () => {
    https = await startTestApp({
      PUBLIC_URL: 'https://auth.example.com',
      COOKIE_DOMAIN: 'example.com',
      SIGNIN_REDIRECT_HOSTS: 'partner.test',
      BROWSER_COOKIE_NAME: 'acme_sso',
    });
  });
  afterAll(() => https.close());

  it('sets a Secure cookie for the whole domain, and expires it alike', async () => {
    const user = await registerUser(https, uniqueName('portal'), PASSWORD);
    const browser = new BrowserState();
    const res = await submitPassword(https, browser, user.username, PASSWORD);
    expect(res.status).toBe(303);
    const cookie = cookieOf(res, 'acme_sso')!;
    expect(cookie.get('domain')).toBe('example.com');
    expect(cookie.has('secure')).toBe(true);
    expect(cookie.has('httponly')).toBe(true);
    expect(cookieOf(res, SESSION_COOKIE)).toBeUndefined();
    expect(await validates(https, cookie.get('value')!)).toBe(true);
    await get(https, browser, '/signout');
    const out = await post(
      https,
      browser,
      '/signout',
      { _csrf: browser.token },
      {
        Origin: 'https://auth.example.com',
      },
    );
    const expired = cookieOf(out, 'acme_sso')!;
    expect(expired.get('domain')).toBe('example.com');
    expect(expired.has('secure')).toBe(true);
    expect(await validates(https, cookie.get('value')!)).toBe(false);
  });

  it.each([
    'https://auth.example.com/account',
    'https://app.example.com/orders?id=7#top',
    'https://deep.app.example.com:8443/',
    'https://partner.test/back',
  ])('sends the browser on to %s', async (rd) => {
    const user = await registerUser(https, uniqueName('portal'), PASSWORD);
    const browser = new BrowserState();
    const form = await get(https, browser, `/signin?rd=${encodeURIComponent(rd)}`);
    expect(form.headers['content-security-policy']).toContain(
      `form-action 'self' ${new URL(rd).origin}`,
    );
    const res = await post(https, browser, '/signin', {
      _csrf: browser.token,
      username: user.username,
      password: PASSWORD,
      rd,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(rd);
  });

  it.each([
    'https://evil.test/',
    '//evil.test/',
    '/\\evil.test',
    'javascript:alert(1)',
    'http://app.example.com/',
    'https://app.example.com@evil.test/',
    'https://evil.test%2f.example.com/',
    'https://evil%2etest/',
    'https://app.example.com\\@evil.test',
    ' https://app.example.com/',
    'https://app.example.com/%0d%0aSet-Cookie:%20x=1'.replace(/%0d%0a/, '\r\n'),
    '/account',
  ])('sends the browser to /account instead of %j', async (rd) => {
    const user = await registerUser(https, uniqueName('portal'), PASSWORD);
    const browser = new BrowserState();
    await get(https, browser, '/signin');
    const res = await post(https, browser, '/signin', {
      _csrf: browser.token,
      username: user.username,
      password: PASSWORD,
      rd,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
  });

  it('sends a signed-out browser back to the address rd allows, or to /signin', async () => {
    const user = await registerUser(https, uniqueName('portal'), PASSWORD);
    for (const [rd, location] of [
      ['https://app.example.com/bye', 'https://app.example.com/bye'],
      ['https://evil.test/', '/signin'],
    ]) {
      const browser = new BrowserState();
      await submitPassword(https, browser, user.username, PASSWORD);
      await get(https, browser, `/signout?rd=${encodeURIComponent(rd)}`);
      const res = await post(https, browser, '/signout', { _csrf: browser.token, rd });
      expect(res.headers.location).toBe(location);
    }
  });
});

describe('the log', () => {
  it('warns once at start of the default PUBLIC_URL, and not when it is set', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const warnings = () =>
      warn.mock.calls.filter(([message]) => String(message).startsWith('PUBLIC_URL is not set'));
    try {
      const defaulted = await startTestApp();
      await defaulted.close();
      expect(warnings()).toHaveLength(1);
      expect(String(warnings()[0][0])).toContain('http://localhost:3000');
      const set = await startTestApp({ PUBLIC_URL: 'https://auth.example.com' });
      await set.close();
      expect(warnings()).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('holds no password, session secret, form token or pending step', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((data: unknown) => {
      written.push(String(data));
      return true;
    });
    const logged = await startTestApp({ LOG_LEVEL: 'trace', TOTP_ENCRYPTION_KEY });
    try {
      const user = await registerUser(logged, uniqueName('portal'), PASSWORD);
      const token = await accessTokenFor(logged, user);
      const start = await logged
        .http()
        .post('/api/me/totp')
        .set('Authorization', `Bearer ${token}`)
        .send({ password: PASSWORD });
      const secret = start.body.secret as string;
      const { recoveryCodes } = (
        await logged
          .http()
          .post('/api/me/totp/confirm')
          .set('Authorization', `Bearer ${token}`)
          .send({ code: generateSync({ secret }) })
      ).body as { recoveryCodes: string[] };
      const browser = new BrowserState();
      const step = await submitPassword(logged, browser, user.username, PASSWORD);
      const pending = /name="pending" value="([^"]+)"/.exec(step.text)![1];
      await post(logged, browser, '/signin', {
        _csrf: browser.token,
        pending,
        code: 'abcde-fghij',
      });
      await post(logged, browser, '/signin', {
        _csrf: browser.token,
        pending,
        code: recoveryCodes[0],
      });
      const first = browser.cookies.get(SESSION_COOKIE)!;
      expect(first).toMatch(/^[0-9]+[0-9a-f]{64}$/);
      await get(logged, browser, '/account');
      await post(logged, browser, '/signout', { _csrf: browser.token });
      await submitPassword(logged, browser, user.username, 'a-wrong-password-7');
      const again = await submitPassword(
        logged,
        browser,
        user.username,
        PASSWORD,
        'http://localhost:3000/?q=secret-rd',
      );
      const pendingAgain = /name="pending" value="([^"]+)"/.exec(again.text)![1];
      const log = written.join('');
      expect(log).toContain('"route":"/signin"');
      for (const secret of [
        PASSWORD,
        'a-wrong-password-7',
        first,
        first.slice(-64),
        pendingAgain,
        browser.token,
        browser.cookies.get('gatehouse_csrf')!,
        pending,
        recoveryCodes[0],
        'abcde-fghij',
        'secret-rd',
      ]) {
        expect(log).not.toContain(secret);
      }
    } finally {
      await logged.close();
      spy.mockRestore();
    }
  });
});
