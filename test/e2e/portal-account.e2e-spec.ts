import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { controlClock, type TestClock } from '../support/clock.js';
import {
  accessTokenFor,
  sessionFor,
  sessionIsLive,
  tokenStatus,
  userTokenFor,
} from '../support/credentials.js';
import { registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * The portal's account page, as a browser uses it: each form over HTTP with its form token, each
 * change made by the self-service API's own service, so that its proofs, lock and policy hold.
 */

const PASSWORD = 'correct-horse-battery';
const NEW_PASSWORD = 'a-brand-new-password-9';
const STEP_MS = 30_000;
const TOTP_ENCRYPTION_KEY = randomBytes(32).toString('base64');

let t: TestApp;
let clock: TestClock;

beforeAll(async () => {
  t = await startTestApp({ TOTP_ENCRYPTION_KEY });
  clock = controlClock(t);
});

afterAll(async () => {
  clock.restore();
  await t.close();
});

const createUser = () =>
  registerUser(t, uniqueName('account'), PASSWORD, {
    firstName: 'Ann',
    lastName: 'Lee',
    email: 'ann@example.com',
  });

/** A browser signed in through the portal (no second factor asked). */
async function signedIn(user: TestUser, password = PASSWORD): Promise<Browser> {
  const browser = new Browser(t);
  expect((await browser.signIn(user.username, password)).status).toBe(303);
  return browser;
}

/** A form of the account page, sent with the token of the page the browser was just served. */
async function submit(
  browser: Browser,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  await browser.get('/account');
  return browser.post(path, { _csrf: browser.token, ...fields }, headers);
}

async function failures(user: TestUser): Promise<number> {
  const [row] = await sql(t, 'SELECT "failedLoginCount" FROM "user" WHERE "id" = $1', [user.id]);
  return Number(row.failedLoginCount);
}

async function validates(value: string | undefined): Promise<boolean> {
  return (await t.http().get(`/auth/validate/${value}`)).status === 200;
}

async function passwordWorks(user: TestUser, password: string): Promise<boolean> {
  const res = await t.http().post('/v1/auth').send({ username: user.username, password });
  return res.status === 200;
}

const codeFor = (secret: string) =>
  generateSync({ secret, epoch: Math.floor(clock.nowMs() / 1000) });

/** A code of `secret` that is not its current one. */
const wrongCodeFor = (secret: string) => (codeFor(secret) === '000000' ? '111111' : '000000');

function expectAlert(res: Response, status: number, message: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.text).toMatch(new RegExp(`<p class="alert" role="alert" id="[a-z-]+-alert">`));
  expect(res.text).toContain(message);
}

/** The strict policy every portal page has, and nothing in the page that would need more. */
function expectStrictPage(res: Response): void {
  const csp = res.headers['content-security-policy'] as string;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+={0,2}'(;|$)/);
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('script-src');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.text).not.toMatch(/<script|\son[a-z]+=|\bstyle=|<style(?! *>)/i);
  expect(res.text).not.toMatch(/(src|href|action)="(https?:)?\/\//i);
  // The SVG's namespace is a name, not something fetched; no other address is in the page.
  expect(res.text.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:\/\//);
}

/** Turns TOTP on through the page: the key it shows, and the recovery codes it shows once. */
async function enrolThroughPage(
  browser: Browser,
): Promise<{ secret: string; recoveryCodes: string[]; page: Response }> {
  const start = await submit(browser, '/account/totp', { password: PASSWORD });
  expect(start.status).toBe(200);
  const secret = /<code class="secret" id="totp-secret">([A-Z2-7]+)<\/code>/.exec(start.text)![1];
  const page = await browser.post('/account/totp/confirm', {
    _csrf: browser.token,
    code: codeFor(secret),
  });
  expect(page.status).toBe(200);
  const recoveryCodes = [...page.text.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map(
    (match) => match[1],
  );
  clock.advance(STEP_MS);
  return { secret, recoveryCodes, page };
}

describe('the account page', () => {
  it('shows the profile under the strict policy, labelled, with nothing from elsewhere', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const res = await browser.get('/account');
    expect(res.status).toBe(200);
    expectStrictPage(res);
    expect(res.text).toContain(`<dd>${user.username}</dd>`);
    expect(res.text).toContain('<dd>Ann Lee</dd>');
    expect(res.text).toContain('<dd>ann@example.com</dd>');
    expect(res.text).toContain('<dt>Privilege</dt><dd>user</dd>');
    expect(res.text).toContain('<dt>Two-step sign-in</dt><dd>Off</dd>');
    for (const id of ['password-current', 'password-new', 'password-again', 'totp-password']) {
      expect(res.text).toContain(`<label for="${id}">`);
      expect(res.text).toContain(`<input id="${id}"`);
    }
    // No code is asked while no factor is on, and no key section while no key is set.
    expect(res.text).not.toContain('name="code"');
    expect(res.text).not.toContain('RSA login key');
  });

  it('sends a signed-out browser to sign in, for the page and for every form, changing nothing', async () => {
    const user = await createUser();
    const browser = new Browser(t);
    await browser.get('/signin');
    for (const path of [
      '/account/password',
      '/account/totp',
      '/account/totp/confirm',
      '/account/totp/off',
      '/account/sessions/end-others',
      '/account/login-key/remove',
    ]) {
      const res = await browser.post(path, {
        _csrf: browser.token,
        password: PASSWORD,
        newPassword: NEW_PASSWORD,
        newPasswordAgain: NEW_PASSWORD,
      });
      expect(res.status, path).toBe(303);
      expect(res.headers.location, path).toMatch(/^\/signin\?rd=/);
    }
    expect(await passwordWorks(user, PASSWORD)).toBe(true);
  });

  it('says nothing for a `done` it does not know', async () => {
    const browser = await signedIn(await createUser());
    const res = await browser.get('/account?done=%3Cscript%3E');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('role="status"');
    expect(res.text).not.toContain('script');
  });
});

describe('changing the password', () => {
  it('changes it, ends the other sessions and tokens, and keeps this browser signed in', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const other = await signedIn(user);
    const apiSession = await sessionFor(t, user);
    const userToken = await userTokenFor(t, user);
    const jwt = await accessTokenFor(t, user);

    const res = await submit(browser, '/account/password', {
      password: PASSWORD,
      newPassword: NEW_PASSWORD,
      newPasswordAgain: NEW_PASSWORD,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?done=password');
    const page = await browser.get(res.headers.location);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<p class="notice" role="status">Your password was changed.');

    expect(await validates(browser.session())).toBe(true);
    expect(await validates(other.session())).toBe(false);
    expect(await sessionIsLive(t, apiSession)).toBe(false);
    expect(await tokenStatus(t, userToken)).not.toBe('valid');
    expect(await tokenStatus(t, jwt)).not.toBe('valid');
    expect(await passwordWorks(user, PASSWORD)).toBe(false);
    expect(await passwordWorks(user, NEW_PASSWORD)).toBe(true);
  });

  it('refuses a form without its token or from another site: 403, and nothing changed', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const other = await signedIn(user);
    const fields = {
      password: PASSWORD,
      newPassword: NEW_PASSWORD,
      newPasswordAgain: NEW_PASSWORD,
    };
    await browser.get('/account');
    const answers = [
      await browser.post('/account/password', fields),
      await browser.post('/account/password', { ...fields, _csrf: `${browser.token}x` }),
      await browser.post(
        '/account/password',
        { ...fields, _csrf: browser.token },
        { Origin: 'https://evil.test' },
      ),
    ];
    for (const res of answers) expectAlert(res, 403, 'came from another site');
    expect(await passwordWorks(user, PASSWORD)).toBe(true);
    expect(await validates(other.session())).toBe(true);
    expect(await failures(user)).toBe(0);
  });

  it('refuses a wrong current password (403), counting it towards the lock', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const res = await submit(browser, '/account/password', {
      password: 'not-my-password',
      newPassword: NEW_PASSWORD,
      newPasswordAgain: NEW_PASSWORD,
    });
    expectAlert(res, 403, 'The current password is not right.');
    expect(res.text).toContain('aria-describedby="password-alert"');
    expect(await failures(user)).toBe(1);
    expect(await passwordWorks(user, NEW_PASSWORD)).toBe(false);
  });

  it.each([
    ['new passwords that differ', { newPasswordAgain: 'another-new-password-1' }, 'not the same'],
    [
      'a new password the policy refuses',
      { newPassword: 'short', newPasswordAgain: 'short' },
      'The new password',
    ],
    ['no current password', { password: '' }, 'Please enter your current password'],
  ])('refuses %s (400) without counting a failure', async (_name, change, message) => {
    const user = await createUser();
    const browser = await signedIn(user);
    const res = await submit(browser, '/account/password', {
      password: PASSWORD,
      newPassword: NEW_PASSWORD,
      newPasswordAgain: NEW_PASSWORD,
      ...change,
    });
    expectAlert(res, 400, message);
    expect(await failures(user)).toBe(0);
    expect(await passwordWorks(user, PASSWORD)).toBe(true);
  });

  it('locks after five wrong passwords: 429 with Retry-After, even for the right one', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const wrong = {
      password: 'wrong-password-1',
      newPassword: NEW_PASSWORD,
      newPasswordAgain: NEW_PASSWORD,
    };
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await submit(browser, '/account/password', wrong)).status).toBe(403);
    }
    const res = await submit(browser, '/account/password', { ...wrong, password: PASSWORD });
    expect(res.status).toBe(429);
    const seconds = Number(res.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expectAlert(res, 429, `Too many attempts, try again in ${seconds} s.`);
    expect(await passwordWorks(user, NEW_PASSWORD)).toBe(false);
  });

  it('asks for a code while the second factor is on (401, counted), and takes a good one', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const { secret } = await enrolThroughPage(browser);
    const page = await browser.get('/account');
    expect(page.text).toContain('<label for="password-code">');
    const fields = {
      password: PASSWORD,
      newPassword: NEW_PASSWORD,
      newPasswordAgain: NEW_PASSWORD,
    };

    const none = await submit(browser, '/account/password', fields);
    expectAlert(none, 401, 'Please enter a code');
    expect(await failures(user)).toBe(1);
    const wrong = await submit(browser, '/account/password', {
      ...fields,
      code: wrongCodeFor(secret),
    });
    expectAlert(wrong, 403, 'The current password or the code is not right.');
    expect(await failures(user)).toBe(2);
    expect(await passwordWorks(user, NEW_PASSWORD)).toBe(false);

    const res = await submit(browser, '/account/password', { ...fields, code: codeFor(secret) });
    expect(res.status).toBe(303);
    expect(await validates(browser.session())).toBe(true);
  });
});

describe('turning TOTP on', () => {
  it('shows the key as an inline SVG QR code and as text, confirms with a first code, shows the recovery codes once', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const start = await submit(browser, '/account/totp', { password: PASSWORD });
    expect(start.status).toBe(200);
    expectStrictPage(start);
    expect(start.text).toMatch(
      /<figure class="qr" role="img" aria-label="[^"]+"><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/,
    );
    const secret = /<code class="secret" id="totp-secret">([A-Z2-7]{16,})<\/code>/.exec(
      start.text,
    )![1];
    expect(start.text).toContain('action="/account/totp/confirm"');
    expect(start.text).toContain('<label for="totp-confirm-code">');
    // Nothing changes for sign-in until the first code confirms.
    expect((await new Browser(t).signIn(user.username, PASSWORD)).status).toBe(303);

    const wrong = await browser.post('/account/totp/confirm', {
      _csrf: browser.token,
      code: wrongCodeFor(secret),
    });
    expectAlert(wrong, 403, 'That code is not right');
    expect(wrong.text).toContain('action="/account/totp/confirm"');
    expect(await failures(user)).toBe(1);

    const done = await browser.post('/account/totp/confirm', {
      _csrf: browser.token,
      code: codeFor(secret),
    });
    expect(done.status).toBe(200);
    expectStrictPage(done);
    const recoveryCodes = [
      ...done.text.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g),
    ].map((match) => match[1]);
    expect(recoveryCodes).toHaveLength(10);
    expect(done.text).toContain('shown this once');

    const later = await browser.get('/account');
    expect(later.text).toContain('<dt>Two-step sign-in</dt><dd>On</dd>');
    for (const code of recoveryCodes) expect(later.text).not.toContain(code);
    expect(later.text).not.toContain(secret);
    expect(later.text).toContain('action="/account/totp/off"');

    // Signing in now asks for the code, and a recovery code shown on the page is one.
    clock.advance(STEP_MS);
    const next = new Browser(t);
    const first = await next.signIn(user.username, PASSWORD);
    expect(first.status).toBe(200);
    expect(first.text).toContain('<label for="code">');
    const pending = /name="pending" value="([^"]+)"/.exec(first.text)![1];
    const second = await next.post('/signin', {
      _csrf: next.token,
      pending,
      code: recoveryCodes[0],
    });
    expect(second.status).toBe(303);
    expect(await validates(next.session())).toBe(true);
  });

  it('refuses a wrong current password (403, counted) and a start without its token (403), enrolling nothing', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const wrong = await submit(browser, '/account/totp', { password: 'not-my-password' });
    expectAlert(wrong, 403, 'The current password is not right.');
    expect(wrong.text).not.toContain('totp-secret');
    expect(await failures(user)).toBe(1);
    const forged = await browser.post('/account/totp', { password: PASSWORD });
    expectAlert(forged, 403, 'came from another site');
    expect(forged.text).not.toContain('totp-secret');
    // No enrolment waits for a code.
    const confirm = await submit(browser, '/account/totp/confirm', { code: '123456' });
    expectAlert(confirm, 409, 'Please start again');
  });

  it('refuses a confirmation without its token, and the factor stays off', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const start = await submit(browser, '/account/totp', { password: PASSWORD });
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(start.text)![1];
    const res = await browser.post('/account/totp/confirm', { code: codeFor(secret) });
    expectAlert(res, 403, 'came from another site');
    expect(res.text).not.toMatch(/<li><code>/);
    expect((await new Browser(t).signIn(user.username, PASSWORD)).status).toBe(303);
  });

  it('answers 409 when a factor is on already', async () => {
    const browser = await signedIn(await createUser());
    await enrolThroughPage(browser);
    // The page offers no start then; a form sent all the same is refused as the API refuses it.
    const res = await submit(browser, '/account/totp', { password: PASSWORD });
    expectAlert(res, 409, 'Two-step sign-in is on already.');
  });
});

describe('turning TOTP off', () => {
  it('takes a code, and sign-in then asks for none', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const { secret } = await enrolThroughPage(browser);
    const res = await submit(browser, '/account/totp/off', { code: codeFor(secret) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?done=second-factor-off');
    const page = await browser.get(res.headers.location);
    expect(page.text).toContain('<dt>Two-step sign-in</dt><dd>Off</dd>');
    expect((await new Browser(t).signIn(user.username, PASSWORD)).status).toBe(303);
  });

  it('takes a recovery code', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const { recoveryCodes } = await enrolThroughPage(browser);
    const res = await submit(browser, '/account/totp/off', { code: recoveryCodes[3] });
    expect(res.status).toBe(303);
  });

  it('refuses a wrong code (403, counted), a form without its token (403), and locks after wrong codes (429)', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const { secret } = await enrolThroughPage(browser);
    const before = await failures(user);
    const forged = await browser.post('/account/totp/off', { code: codeFor(secret) });
    expectAlert(forged, 403, 'came from another site');
    expect(await failures(user)).toBe(before);

    let res = await submit(browser, '/account/totp/off', { code: wrongCodeFor(secret) });
    expectAlert(res, 403, 'That code is not right');
    expect(await failures(user)).toBe(before + 1);
    for (let attempt = 0; attempt < 5 && res.status !== 429; attempt += 1) {
      res = await submit(browser, '/account/totp/off', { code: wrongCodeFor(secret) });
    }
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expectAlert(res, 429, `Too many attempts, try again in ${res.headers['retry-after']} s.`);
    // Locked: even a good code turns nothing off.
    expect((await submit(browser, '/account/totp/off', { code: codeFor(secret) })).status).toBe(
      429,
    );
    const first = await new Browser(t).signIn(user.username, PASSWORD);
    expect(first.status).toBe(429);
    const page = await browser.get('/account');
    expect(page.text).toContain('<dt>Two-step sign-in</dt><dd>On</dd>');
  });
});

describe('sessions', () => {
  it('lists every session of the user, marking this one, and signs out everywhere else', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const others = [await signedIn(user), await signedIn(user)];
    const apiSession = await sessionFor(t, user);
    const jwt = await accessTokenFor(t, user);

    const page = await browser.get('/account');
    const listed = [
      ...page.text.matchAll(/<li( aria-current="true")?>\s*<p><strong>([^<]+)<\/strong>/g),
    ];
    expect(listed).toHaveLength(4);
    expect(listed.filter((match) => match[1])).toHaveLength(1);
    expect(listed.find((match) => match[1])![2]).toBe('This browser');
    const ownSid = browser.session()!.slice(0, -64);
    expect(page.text).not.toContain(`Session ${ownSid}<`);
    expect(page.text).toContain(`Session ${apiSession.sid}<`);
    expect(page.text).toMatch(
      /<dt>Last used<\/dt><dd><time datetime="[0-9T:.Z-]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/,
    );

    const res = await submit(browser, '/account/sessions/end-others', {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?done=sessions');
    for (const other of others) expect(await validates(other.session())).toBe(false);
    expect(await sessionIsLive(t, apiSession)).toBe(false);
    expect(await validates(browser.session())).toBe(true);
    // Not a session: an access JWT stays.
    expect(await tokenStatus(t, jwt)).toBe('valid');
    const after = await browser.get(res.headers.location);
    expect(after.text).toContain('You were signed out everywhere else.');
    expect([...after.text.matchAll(/<li( aria-current="true")?>/g)]).toHaveLength(1);
    const [event] = await sql(
      t,
      `SELECT "detail" FROM "audit_event" WHERE "userId" = $1 AND "type" = 'session.end' ORDER BY "id" DESC`,
      [user.id],
    );
    const detail: unknown =
      typeof event.detail === 'string' ? JSON.parse(event.detail) : event.detail;
    expect(detail).toEqual({ allOthers: true, ended: 3, keptSid: Number(ownSid) });
  });

  it('refuses to sign out elsewhere without its token (403), and the other sessions live', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const other = await signedIn(user);
    await browser.get('/account');
    const res = await browser.post('/account/sessions/end-others', { _csrf: 'nope' });
    expectAlert(res, 403, 'came from another site');
    expect(await validates(other.session())).toBe(true);
  });
});

describe('the RSA login key', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const fingerprint = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .match(/../g)!
    .join(':');

  async function withKey(user: TestUser): Promise<void> {
    const res = await t
      .http()
      .put('/api/me/public-key')
      .set('Authorization', `Bearer ${await accessTokenFor(t, user)}`)
      .send({ publicKey: pem, password: PASSWORD });
    expect(res.status).toBe(200);
  }

  async function keyOf(user: TestUser): Promise<unknown> {
    const [row] = await sql(t, 'SELECT "publicKey" FROM "user" WHERE "id" = $1', [user.id]);
    return row.publicKey;
  }

  it('shows its SHA-256 fingerprint and removes it with the current password', async () => {
    const user = await createUser();
    await withKey(user);
    const browser = await signedIn(user);
    const page = await browser.get('/account');
    expectStrictPage(page);
    expect(page.text).toContain(
      `<code class="fingerprint" id="login-key-fingerprint">${fingerprint}</code>`,
    );
    expect(fingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(page.text).not.toContain('BEGIN PUBLIC KEY');
    expect(page.text).toContain('<label for="login-key-password">');

    const res = await submit(browser, '/account/login-key/remove', { password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?done=login-key');
    expect(await keyOf(user)).toBeNull();
    const after = await browser.get(res.headers.location);
    expect(after.text).toContain('Your RSA login key was removed.');
    expect(after.text).not.toContain(fingerprint);
  });

  it('refuses a wrong password (403, counted) and a form without its token (403), keeping the key', async () => {
    const user = await createUser();
    await withKey(user);
    const browser = await signedIn(user);
    const wrong = await submit(browser, '/account/login-key/remove', {
      password: 'not-my-password',
    });
    expectAlert(wrong, 403, 'The current password is not right.');
    expect(await failures(user)).toBe(1);
    const forged = await browser.post('/account/login-key/remove', { password: PASSWORD });
    expectAlert(forged, 403, 'came from another site');
    expect(await keyOf(user)).not.toBeNull();
    expect(forged.text).toContain(fingerprint);
  });

  it('asks for a code while the second factor is on', async () => {
    const user = await createUser();
    await withKey(user);
    const browser = await signedIn(user);
    const { secret } = await enrolThroughPage(browser);
    const none = await submit(browser, '/account/login-key/remove', { password: PASSWORD });
    expectAlert(none, 401, 'Please enter a code');
    expect(await keyOf(user)).not.toBeNull();
    const res = await submit(browser, '/account/login-key/remove', {
      password: PASSWORD,
      code: codeFor(secret),
    });
    expect(res.status).toBe(303);
    expect(await keyOf(user)).toBeNull();
  });

  it('answers 409 when no key is set', async () => {
    const browser = await signedIn(await createUser());
    const res = await submit(browser, '/account/login-key/remove', { password: PASSWORD });
    expectAlert(res, 409, 'No RSA login key is set.');
  });
});
