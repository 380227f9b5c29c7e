import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { generateSync } from 'otplib';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { enrolTotp } from '../support/credentials.js';
import { registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';
import { authenticatorFor, signInOptions } from '../support/passkeys.js';
import type { SoftwareAuthenticator } from '../support/webauthn-authenticator.js';

/**
 * Passkeys on the sign-in portal, as a browser uses them, over HTTP: what the page's script does
 * (ask /webauthn/authentication/options, have the authenticator answer, send the form) is done
 * here with a software authenticator, every form with the token of the page it came from.
 */

const PASSWORD = 'correct-horse-battery';
const STEP_MS = 30_000;
const PASSKEY_PROOF_MS = 5 * 60_000;
const PASSKEY_REFUSED = 'That passkey was not accepted.';
const FORM_REFUSED = 'This form had expired or came from another site';

let t: TestApp;
let clock: TestClock;

beforeAll(async () => {
  t = await startTestApp({ TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
  clock = controlClock(t);
});

afterAll(async () => {
  clock.restore();
  await t.close();
});

const createUser = () => registerUser(t, uniqueName('pk-portal'), PASSWORD);

const codeFor = (secret: string) =>
  generateSync({ secret, epoch: Math.floor(clock.nowMs() / 1000) });

/** A browser signed in through the portal with a password (no second factor asked). */
async function signedIn(user: TestUser): Promise<Browser> {
  const browser = new Browser(t);
  expect((await browser.signIn(user.username, user.password)).status).toBe(303);
  return browser;
}

/** The form cookie of `browser` alone, as its page's fetch sends it. */
const formCookieOf = (browser: Browser) =>
  `gatehouse_csrf=${browser.cookies.get('gatehouse_csrf')}`;

/**
 * What the sign-in page's script sends: options asked with this browser's cookie (or as
 * `optionsCookie` says), the authenticator's answer, the form with `fields` (pending, rd) and the
 * token of the page `page` (the sign-in page, unless the browser is on the code page already).
 */
async function passkeyForm(
  browser: Browser,
  authenticator: SoftwareAuthenticator,
  {
    fields = {},
    optionsCookie = formCookieOf(browser),
    token = browser.token,
  }: { fields?: Record<string, string>; optionsCookie?: string; token?: string } = {},
): Promise<Response> {
  const options = await signInOptions(t, optionsCookie);
  return browser.post('/signin', {
    _csrf: token,
    challengeId: options.challengeId,
    passkey: JSON.stringify(authenticator.get(options)),
    ...fields,
  });
}

/** A passkey sign-in from the sign-in page, with nothing typed. */
async function signInWithPasskey(
  browser: Browser,
  authenticator: SoftwareAuthenticator,
  rd?: string,
): Promise<Response> {
  await browser.get(rd ? `/signin?rd=${encodeURIComponent(rd)}` : '/signin');
  return passkeyForm(browser, authenticator, { fields: rd ? { rd } : {} });
}

/** The page that has the browser make a passkey: its creation options, as its script reads them. */
function creationOptionsOf(page: Response): {
  options: PublicKeyCredentialCreationOptionsJSON;
  challengeId: string;
} {
  const json =
    /<script type="application\/json" id="passkey-creation-options">([^<]*)<\/script>/.exec(
      page.text,
    )![1];
  const challengeId = /name="challengeId" value="([^"]*)"/.exec(page.text)![1];
  return { options: JSON.parse(json) as PublicKeyCredentialCreationOptionsJSON, challengeId };
}

/** The account page's "Add a passkey" form sent with `proof`: the page it answers. */
async function startAdding(browser: Browser, proof: Record<string, string>): Promise<Response> {
  await browser.get('/account');
  return browser.post('/account/passkeys/options', { _csrf: browser.token, ...proof });
}

/** What the add page's script sends: the passkey the authenticator made, and its name. */
function finishAdding(
  browser: Browser,
  page: Response,
  authenticator: SoftwareAuthenticator,
  name = 'Laptop',
): Promise<Response> {
  const { options, challengeId } = creationOptionsOf(page);
  return browser.post('/account/passkeys', {
    _csrf: browser.token,
    challengeId,
    name,
    response: JSON.stringify(authenticator.create(options)),
  });
}

/** Adds a passkey on the account page with the password: the authenticator that holds it. */
async function addedPasskey(browser: Browser, name = 'Laptop'): Promise<SoftwareAuthenticator> {
  const authenticator = authenticatorFor(t);
  const page = await startAdding(browser, { password: PASSWORD });
  expect(page.status).toBe(200);
  const added = await finishAdding(browser, page, authenticator, name);
  expect([added.status, added.headers.location]).toEqual([303, '/account?done=passkey-added']);
  return authenticator;
}

interface ListedPasskey {
  id: number;
  name: string;
}

/** The passkeys the account page lists, by id and name. */
async function listed(browser: Browser): Promise<ListedPasskey[]> {
  const page = await browser.get('/account');
  expect(page.status).toBe(200);
  return [...page.text.matchAll(/<strong id="passkey-(\d+)-name">([^<]*)<\/strong>/g)].map(
    ([, id, name]) => ({ id: Number(id), name }),
  );
}

function expectAlert(res: Response, status: number, message: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.text).toMatch(/role="alert"/);
  expect(res.text).toContain(message);
}

async function auditEvents(
  user: TestUser,
  type: string,
): Promise<{ outcome: string; api: string; detail: Record<string, unknown> }[]> {
  const rows = await sql(
    t,
    'SELECT "outcome", "api", "detail" FROM "audit_event" WHERE "userId" = $1 AND "type" = $2 ORDER BY "id"',
    [user.id, type],
  );
  return rows.map((row) => ({
    outcome: row.outcome as string,
    api: row.api as string,
    detail: JSON.parse(row.detail as string) as Record<string, unknown>,
  }));
}

/** The policy of a page that runs the portal's scripts: its nonce, on exactly those two. */
function expectScriptedPage(res: Response): void {
  const csp = res.headers['content-security-policy'] as string;
  const nonce = /script-src 'nonce-([A-Za-z0-9+/]{24})'(;|$)/.exec(csp)?.[1];
  expect(nonce).toBeDefined();
  expect(csp).toMatch(/connect-src 'self'(;|$)/);
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toContain('unsafe');
  const executable = [...res.text.matchAll(/<script(?! type="application\/json")([^>]*)>/g)].map(
    ([, attributes]) => attributes.replace(/\?v=[A-Za-z0-9_-]{16}"/, '?v="'),
  );
  expect(executable).toEqual([
    ` nonce="${nonce}" src="/portal/scripts/webauthn.js?v=" defer`,
    ` nonce="${nonce}" src="/portal/scripts/passkeys.js?v=" defer`,
  ]);
  expect(res.text).not.toMatch(/\son[a-z]+=|\bstyle="/i);
}

describe("the portal's scripts", () => {
  it('serves the @simplewebauthn/browser bundle and the page script, as JavaScript kept for good under their versioned addresses', async () => {
    const page = await new Browser(t).get('/signin');
    const sources = [...page.text.matchAll(/<script nonce="[^"]+" src="([^"]+)"/g)].map(
      ([, src]) => src,
    );
    expect(sources).toHaveLength(2);
    const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
    const bundle = readFileSync(
      join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'),
      'utf8',
    );
    const ours = readFileSync('src/portal/views/passkeys.js', 'utf8');
    for (const [src, text] of [
      [sources[0], bundle],
      [sources[1], ours],
    ]) {
      const res = await t.http().get(src);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.text).toBe(text);
    }
    expect(bundle).toContain('SimpleWebAuthnBrowser');
  });

  it('runs on the sign-in page by a nonce of its own per answer; the account and sign-out pages run none', async () => {
    const browser = new Browser(t);
    const first = await browser.get('/signin');
    const second = await browser.get('/signin');
    expectScriptedPage(first);
    expectScriptedPage(second);
    expect(first.headers['content-security-policy']).not.toBe(
      second.headers['content-security-policy'],
    );
    // A second way to send the page's one form, hidden until the script finds WebAuthn; its
    // fields are disabled, so the password's button sends none of them.
    expect(first.text).toContain(
      [
        '<button type="submit">Sign in</button>',
        '<div class="passkey" data-passkey="sign-in" data-alert="passkey-alert" hidden>',
        '<input type="hidden" name="challengeId" value="" disabled>',
        '<input type="hidden" name="passkey" value="" disabled>',
        '<button type="submit" formnovalidate>Sign in with a passkey</button>',
        '</div>',
        '</form>',
      ].join('\n'),
    );
    // One form token in the page, as a script reading the page with grep takes it.
    expect(first.text.match(/name="_csrf"/g)).toHaveLength(1);

    const user = await createUser();
    const signed = await signedIn(user);
    for (const path of ['/account', '/signout']) {
      const res = await signed.get(path);
      expect(res.status).toBe(200);
      const csp = res.headers['content-security-policy'] as string;
      expect([path, csp]).not.toEqual([path, expect.stringContaining('script-src')]);
      expect([path, res.text]).not.toEqual([path, expect.stringContaining('<script')]);
    }
  });
});

describe('signing in with a passkey on the sign-in page', () => {
  it('signs in with nothing typed, back to rd, the session recording the passkey sign-in, audited as a passkey login', async () => {
    const user = await createUser();
    const authenticator = await addedPasskey(await signedIn(user));
    const browser = new Browser(t);
    const res = await signInWithPasskey(browser, authenticator, 'http://localhost:3000/orders');
    expect([res.status, res.headers.location]).toEqual([303, 'http://localhost:3000/orders']);
    const cookie = browser.session()!;
    expect((await t.http().get(`/auth/validate/${cookie}`)).status).toBe(200);
    // The cookie holds the sid followed directly by the session's 64-hex secret.
    const [row] = await sql(t, 'SELECT "passkeyVerifiedAt" FROM "session" WHERE "id" = $1', [
      Number(cookie.slice(0, -64)),
    ]);
    expect(row.passkeyVerifiedAt).not.toBeNull();
    const logins = await auditEvents(user, 'login');
    expect(logins.at(-1)).toMatchObject({
      outcome: 'success',
      api: 'portal',
      detail: { method: 'passkey' },
    });
    expect(await listed(browser)).toEqual([{ id: expect.any(Number), name: 'Laptop' }]);
    expect((await browser.get('/account')).text).toMatch(
      /<dt>Last used<\/dt><dd><time datetime="[^"]+">/,
    );
  });

  it('refuses the form without its token (403), and a challenge another browser asked for (401)', async () => {
    const user = await createUser();
    const authenticator = await addedPasskey(await signedIn(user));

    const tokenless = new Browser(t);
    await tokenless.get('/signin');
    const forged = await passkeyForm(tokenless, authenticator, { token: '' });
    expectAlert(forged, 403, FORM_REFUSED);
    expect(tokenless.session()).toBeUndefined();

    // The challenge is bound to the form cookie of the browser whose page asked.
    const other = new Browser(t);
    await other.get('/signin');
    const victim = new Browser(t);
    await victim.get('/signin');
    const stolen = await passkeyForm(victim, authenticator, { optionsCookie: formCookieOf(other) });
    expectAlert(stolen, 401, PASSKEY_REFUSED);
    expect(victim.session()).toBeUndefined();
    // Options asked without the portal's cookie (another client's) are no browser's either.
    const unbound = await passkeyForm(victim, authenticator, { optionsCookie: '' });
    expectAlert(unbound, 401, PASSKEY_REFUSED);
    expect(victim.session()).toBeUndefined();
    expect((await auditEvents(user, 'login')).at(-1)).toMatchObject({
      outcome: 'failure',
      detail: { method: 'passkey', reason: 'passkey-challenge' },
    });
  });

  it('answers an unreadable passkey with 400, a removed passkey with 401, and a locked account with 429 and Retry-After', async () => {
    const user = await createUser();
    const owner = await signedIn(user);
    const authenticator = await addedPasskey(owner);

    const browser = new Browser(t);
    await browser.get('/signin');
    const garbage = await browser.post('/signin', {
      _csrf: browser.token,
      challengeId: 'x',
      passkey: '{not json',
    });
    expectAlert(garbage, 400, 'The passkey did not answer as expected');

    for (let attempt = 0; attempt < 5; attempt += 1) {
      const wrong = await browser.post('/signin', {
        _csrf: browser.token,
        username: user.username,
        password: 'wrong-password',
      });
      expect(wrong.status).toBe(401);
    }
    const locked = await signInWithPasskey(browser, authenticator);
    expect(locked.status).toBe(429);
    const seconds = Number(locked.headers['retry-after']);
    expectAlert(locked, 429, `Too many attempts, try again in ${seconds} s.`);
    expect(browser.session()).toBeUndefined();

    clock.advance(seconds * 1000);
    const [{ id }] = await listed(owner);
    await owner.get('/account');
    const removed = await owner.post(`/account/passkeys/${id}/remove`, { _csrf: owner.token });
    expect([removed.status, removed.headers.location]).toEqual([
      303,
      '/account?done=passkey-removed',
    ]);
    const refused = await signInWithPasskey(browser, authenticator);
    expectAlert(refused, 401, PASSKEY_REFUSED);
    expect(refused.text).toContain('<label for="username">');
    expect(browser.session()).toBeUndefined();
  });

  it('refuses a cloned authenticator whose counter went back, audited with the passkey', async () => {
    const user = await createUser();
    const authenticator = await addedPasskey(await signedIn(user), 'Phone');
    expect((await signInWithPasskey(new Browser(t), authenticator)).status).toBe(303);
    const clone = authenticator.clone();
    clone.credentials[0].counter = 0;
    const browser = new Browser(t);
    expectAlert(await signInWithPasskey(browser, clone), 401, PASSKEY_REFUSED);
    expect(browser.session()).toBeUndefined();
    expect((await auditEvents(user, 'login')).at(-1)).toMatchObject({
      outcome: 'failure',
      api: 'portal',
      detail: { method: 'passkey', reason: 'passkey-counter', name: 'Phone' },
    });
  });
});

describe('a passkey instead of the code', () => {
  /** The code page of a password sign-in: the browser on it, and its `pending`. */
  async function onCodePage(user: TestUser): Promise<{ browser: Browser; pending: string }> {
    const browser = new Browser(t);
    const page = await browser.signIn(user.username, user.password);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Enter your code</h1>');
    expectScriptedPage(page);
    expect(page.text).toContain(
      '<button type="submit" formnovalidate>Use a passkey instead</button>',
    );
    expect(page.text.match(/name="pending"/g)).toHaveLength(1);
    return { browser, pending: /name="pending" value="([^"]+)"/.exec(page.text)![1] };
  }

  it("signs in with the pending user's passkey, and refuses another user's on the code page, counted against the pending user", async () => {
    const user = await createUser();
    const mine = await addedPasskey(await signedIn(user));
    await enrolTotp(t, user, codeFor);
    clock.advance(STEP_MS);
    const others = await addedPasskey(await signedIn(await createUser()));

    const wrong = await onCodePage(user);
    const refused = await passkeyForm(wrong.browser, others, {
      fields: { pending: wrong.pending },
    });
    expectAlert(refused, 401, PASSKEY_REFUSED);
    expect(refused.text).toContain('<h1>Enter your code</h1>');
    expect(wrong.browser.session()).toBeUndefined();
    expect((await auditEvents(user, 'login')).at(-1)).toMatchObject({
      outcome: 'failure',
      detail: { method: 'passkey' },
    });

    const right = await onCodePage(user);
    const res = await passkeyForm(right.browser, mine, { fields: { pending: right.pending } });
    expect([res.status, res.headers.location]).toEqual([303, '/account']);
    expect(right.browser.session()).toBeDefined();
  });

  it('refuses a pending step sealed for another browser', async () => {
    const user = await createUser();
    const mine = await addedPasskey(await signedIn(user));
    await enrolTotp(t, user, codeFor);
    clock.advance(STEP_MS);
    const { pending } = await onCodePage(user);
    const browser = new Browser(t);
    await browser.get('/signin');
    const res = await passkeyForm(browser, mine, { fields: { pending } });
    expectAlert(res, 401, 'Signing in took too long');
    expect(browser.session()).toBeUndefined();
  });
});

describe('the Passkeys section of the account page', () => {
  it('adds a passkey with the password: the add page runs the script on the options it embeds, the list shows it', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const account = await browser.get('/account');
    expect(account.text).toContain('<h2 id="passkeys-heading">Passkeys</h2>');
    expect(account.text).toContain('<label for="passkey-password">Current password</label>');
    expect(account.text).not.toContain('id="passkey-code"');

    const page = await startAdding(browser, { password: PASSWORD });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Add a passkey</h1>');
    expectScriptedPage(page);
    expect(page.text).toMatch(/<input id="passkey-name" name="name" type="text" [^>]*required/);
    expect(page.text).not.toContain('undefined');
    const { options, challengeId } = creationOptionsOf(page);
    expect(options.challenge).toBe(challengeId);
    expect(options.user.name).toBe(user.username);
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    expect(options).not.toHaveProperty('challengeId');

    const authenticator = authenticatorFor(t);
    const added = await finishAdding(browser, page, authenticator, '  Work laptop  ');
    expect([added.status, added.headers.location]).toEqual([303, '/account?done=passkey-added']);
    const shown = await browser.get('/account?done=passkey-added');
    expect(shown.text).toContain('Your passkey was added');
    expect(shown.text).toMatch(/<dt>Last used<\/dt><dd>Never<\/dd>/);
    expect(await listed(browser)).toEqual([{ id: expect.any(Number), name: 'Work laptop' }]);
    expect((await auditEvents(user, 'credential.change')).at(-1)).toMatchObject({
      outcome: 'success',
      api: 'self-service',
      detail: { credential: 'passkey', action: 'add', name: 'Work laptop' },
    });
  });

  it("refuses a blank or long name, and another user's challenge, adding nothing", async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const page = await startAdding(browser, { password: PASSWORD });
    const blank = await finishAdding(browser, page, authenticatorFor(t), '   ');
    expectAlert(blank, 400, 'Please give the passkey a name of up to 64 characters.');
    const long = await finishAdding(browser, page, authenticatorFor(t), 'x'.repeat(65));
    expect(long.status).toBe(400);

    const thief = await signedIn(await createUser());
    await thief.get('/account');
    const stolen = await finishAdding(thief, page, authenticatorFor(t));
    expectAlert(stolen, 400, 'The passkey could not be added');
    expect(await listed(thief)).toEqual([]);
    expect(await listed(browser)).toEqual([]);
  });

  it('asks the code too while two-step sign-in is on', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const { secret } = await enrolTotp(t, user, codeFor);
    clock.advance(STEP_MS);
    expect((await browser.get('/account')).text).toContain(
      '<label for="passkey-code">Code</label>',
    );
    expectAlert(
      await startAdding(browser, { password: PASSWORD }),
      401,
      'Please enter a code from your authenticator app, or a recovery code.',
    );
    const page = await startAdding(browser, { password: PASSWORD, code: codeFor(secret) });
    expect(page.status).toBe(200);
    expect((await finishAdding(browser, page, authenticatorFor(t))).status).toBe(303);
  });

  it('will not let a stolen session add one without the password', async () => {
    const user = await createUser();
    const owner = await signedIn(user);
    // The thief holds the session's cookie, in a browser of their own with its own form cookie.
    const thief = new Browser(t);
    thief.cookies.set('gatehouse_session', owner.session()!);
    const none = await startAdding(thief, {});
    expectAlert(none, 403, 'You signed in with a passkey more than 5 minutes ago');
    const wrong = await startAdding(thief, { password: 'a-guess-123' });
    expectAlert(wrong, 403, 'The current password is not right.');
    expect(none.text).not.toContain('passkey-creation-options');
    expect(await listed(owner)).toEqual([]);
    expect((await auditEvents(user, 'credential.change')).at(-1)).toMatchObject({
      outcome: 'failure',
      detail: { credential: 'passkey', action: 'add' },
    });
  });

  it('asks no password within 5 minutes of a passkey sign-in of this session, and asks it again after', async () => {
    const user = await createUser();
    const first = await addedPasskey(await signedIn(user));
    const browser = new Browser(t);
    expect((await signInWithPasskey(browser, first)).status).toBe(303);
    const account = await browser.get('/account');
    expect(account.text).toContain('You signed in with a passkey a moment ago');
    expect(account.text).not.toContain('id="passkey-password"');

    const second = authenticatorFor(t);
    const page = await startAdding(browser, {});
    expect(page.status).toBe(200);
    expect((await finishAdding(browser, page, second, 'Key')).status).toBe(303);
    expect((await listed(browser)).map(({ name }) => name)).toEqual(['Laptop', 'Key']);

    clock.advance(PASSKEY_PROOF_MS + 1);
    const later = await startAdding(browser, {});
    expectAlert(later, 403, 'You signed in with a passkey more than 5 minutes ago');
    expect(later.text).toContain('<label for="passkey-password">Current password</label>');
    expect((await startAdding(browser, { password: PASSWORD })).status).toBe(200);
  });

  it('renames and removes a passkey, and neither reaches another user’s', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    await addedPasskey(browser);
    const [{ id }] = await listed(browser);

    await browser.get('/account');
    const renamed = await browser.post(`/account/passkeys/${id}/rename`, {
      _csrf: browser.token,
      name: 'Old laptop',
    });
    expect([renamed.status, renamed.headers.location]).toEqual([
      303,
      '/account?done=passkey-renamed',
    ]);
    expect(await listed(browser)).toEqual([{ id, name: 'Old laptop' }]);
    expectAlert(
      await browser.post(`/account/passkeys/${id}/rename`, { _csrf: browser.token, name: '' }),
      400,
      'Please give the passkey a name',
    );

    const other = await signedIn(await createUser());
    await other.get('/account');
    for (const action of ['rename', 'remove']) {
      const res = await other.post(`/account/passkeys/${id}/${action}`, {
        _csrf: other.token,
        name: 'Mine now',
      });
      expectAlert(res, 404, 'You have no such passkey');
    }
    expectAlert(
      await other.post('/account/passkeys/x1/remove', { _csrf: other.token }),
      404,
      'You have no such passkey',
    );

    for (const action of ['rename', 'remove']) {
      const forged = await browser.post(`/account/passkeys/${id}/${action}`, { name: 'Forged' });
      expectAlert(forged, 403, FORM_REFUSED);
    }
    expect(await listed(browser)).toEqual([{ id, name: 'Old laptop' }]);

    await browser.get('/account');
    expect(
      (await browser.post(`/account/passkeys/${id}/remove`, { _csrf: browser.token })).status,
    ).toBe(303);
    expect(await listed(browser)).toEqual([]);
    expect(
      (await auditEvents(user, 'credential.change')).map(({ detail }) => detail.action),
    ).toEqual(['add', 'rename', 'remove']);
  });

  it('refuses the add forms without their token: 403, nothing added', async () => {
    const user = await createUser();
    const browser = await signedIn(user);
    const page = await startAdding(browser, { password: PASSWORD });
    await browser.get('/account');
    const options = await browser.post('/account/passkeys/options', { password: PASSWORD });
    expectAlert(options, 403, FORM_REFUSED);
    const { options: creation, challengeId } = creationOptionsOf(page);
    const add = await browser.post('/account/passkeys', {
      challengeId,
      name: 'Forged',
      response: JSON.stringify(authenticatorFor(t).create(creation)),
    });
    expectAlert(add, 403, FORM_REFUSED);
    const crossSite = await browser.post(
      '/account/passkeys',
      { _csrf: browser.token, challengeId, name: 'Forged', response: '{}' },
      { Origin: 'https://evil.example' },
    );
    expectAlert(crossSite, 403, FORM_REFUSED);
    expect(await listed(browser)).toEqual([]);
  });
});

describe('a portal whose PUBLIC_URL is an IP address, with no WEBAUTHN_RP_ID', () => {
  let ip: TestApp;

  beforeAll(async () => {
    ip = await startTestApp({ PUBLIC_URL: 'http://127.0.0.1:3000' });
  });

  afterAll(() => ip.close());

  it('offers no passkey and runs no script, says so on the account page, and answers a passkey form 503', async () => {
    const user = await registerUser(ip, uniqueName('pk-ip'), PASSWORD);
    const browser = new Browser(ip);
    const page = await browser.get('/signin');
    expect(page.headers['content-security-policy']).not.toContain('script-src');
    expect(page.text).not.toContain('<script');
    expect(page.text).not.toMatch(/name="passkey"|with a passkey/);
    expect((await browser.signIn(user.username, PASSWORD)).status).toBe(303);
    const account = await browser.get('/account');
    expect(account.text).toContain(
      "Passkeys cannot be added here until the server's WEBAUTHN_RP_ID is set.",
    );
    expect(account.text).not.toContain('action="/account/passkeys/options"');

    const other = new Browser(ip);
    await other.get('/signin');
    const res = await other.post('/signin', {
      _csrf: other.token,
      challengeId: 'x',
      passkey: '{}',
    });
    expectAlert(res, 503, 'Passkeys are not set up here.');
  });
});
