import {
  createHmac,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  randomUUID,
  verify as verifySignature,
  type JsonWebKey,
} from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Response } from 'supertest';
import { User } from '../../src/user-store/entities/user.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { restTokenFor } from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName } from '../support/fixtures.js';

/**
 * The REST-auth API: POST /api/users, GET /api/users/{id},
 * GET /api/token and GET /api/resource, black-box through HTTP, with a look at what was stored.
 */

const PASSWORD = 'newpwd-2020';
const CHALLENGE = 'Basic realm="Authentication Required"';
const FORM = 'application/x-www-form-urlencoded';

function storedUsers(t: TestApp, username: string): Promise<Record<string, unknown>[]> {
  return sql(t, 'SELECT * FROM "user" WHERE lower("username") = lower($1)', [username]);
}

async function storedUser(t: TestApp, username: string): Promise<Record<string, unknown>> {
  const rows = await storedUsers(t, username);
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** SQLite answers booleans as 0/1, PostgreSQL as true/false. */
function asBoolean(value: unknown): boolean {
  if (value === true || value === 1 || value === '1') return true;
  if (value === false || value === 0 || value === '0') return false;
  throw new Error(`not a stored boolean: ${String(value)}`);
}

function register(t: TestApp, body: unknown, authorization?: string) {
  const req = t.http().post('/api/users');
  if (authorization) req.set('Authorization', authorization);
  return req.send(body as object);
}

function idFromLocation(res: Response): number {
  const location = res.headers.location as string;
  expect(location).toMatch(/^\/api\/users\/[1-9][0-9]*$/);
  return Number(location.split('/').pop());
}

function resource(t: TestApp, authorization?: string) {
  const req = t.http().get('/api/resource');
  if (authorization) req.set('Authorization', authorization);
  return req;
}

function token(t: TestApp, authorization?: string) {
  const req = t.http().get('/api/token');
  if (authorization) req.set('Authorization', authorization);
  return req;
}

/** The document's 401, verbatim. */
function expectUnauthorized(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe(CHALLENGE);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toBe('Unauthorized Access');
}

/** A 400 with a message that names the field at fault. */
function expectBadRequest(res: Response, field?: RegExp): void {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof res.body.message).toBe('string');
  expect(res.body.message.length).toBeGreaterThan(0);
  if (field) expect(res.body.message).toMatch(field);
}

function expectNoSecrets(res: Response, ...secrets: string[]): void {
  const raw = `${JSON.stringify(res.headers)}${res.text}`;
  for (const secret of secrets) expect(raw).not.toContain(secret);
  expect(raw).not.toMatch(/\$2[aby]\$/);
  expect(raw.toLowerCase()).not.toContain('passwordhash');
}

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function signRs256(header: object, payload: object, privateKeyPem: string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKeyPem).toString('base64url')}`;
}

async function jwks(t: TestApp): Promise<JsonWebKey[]> {
  const res = await t.http().get('/.well-known/jwks.json');
  expect(res.status).toBe(200);
  return res.body.keys as JsonWebKey[];
}

async function signingKeyPem(t: TestApp, kid: string): Promise<string> {
  const [row] = await sql(t, 'SELECT "privateKeyPem" FROM signing_key WHERE kid = $1', [kid]);
  return row.privateKeyPem as string;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('REST-auth API: POST /api/users', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('registers hawk: 201, {"username":"hawk"} and a Location that serves the user', async () => {
    const res = await register(t, { username: 'hawk', password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).toBe('{"username":"hawk"}');
    const id = idFromLocation(res);
    const row = await storedUser(t, 'hawk');
    expect(Number(row.id)).toBe(id);
    const fetched = await t.http().get(res.headers.location as string);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({ username: 'hawk' });
    expectNoSecrets(res, PASSWORD);
  });

  it('stores a bcrypt hash, never the password, and a new user is an enabled user', async () => {
    const username = uniqueName();
    const password = 'Sup3r-secret-passw0rd';
    await registerUser(t, username, password);
    const row = await storedUser(t, username);
    expect(row.passwordHash).toMatch(/^\$2b\$\d{2}\$[./A-Za-z0-9]{53}$/);
    expect(await bcrypt.compare(password, row.passwordHash as string)).toBe(true);
    for (const value of Object.values(row)) expect(String(value)).not.toContain(password);
    expect(row.privilege).toBe('user');
    expect(asBoolean(row.enabled)).toBe(true);
  });

  it('ignores privilege, scope, enabled and id in the body (mass assignment)', async () => {
    const username = uniqueName('mass');
    const res = await register(t, {
      username,
      password: PASSWORD,
      privilege: 'admin',
      sub_type: 'admin',
      scope: 'users:read users:write admin',
      enabled: false,
      id: 4242,
      passwordHash: '$2b$04$abcdefghijklmnopqrstuuMsEbSq5YVObhMPfnWTaxYBM4wEXFEfS',
      lastLoginTime: '2020-01-01T00:00:00Z',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ username });
    const id = idFromLocation(res);
    expect(id).not.toBe(4242);
    const row = await storedUser(t, username);
    expect(Number(row.id)).toBe(id);
    expect(row.privilege).toBe('user');
    expect(row.scope).toBeNull();
    expect(asBoolean(row.enabled)).toBe(true);
    expect(row.lastLoginTime).toBeNull();
    expect(await bcrypt.compare(PASSWORD, row.passwordHash as string)).toBe(true);
    const jwt = decodeJwt(await restTokenFor(t, { username, password: PASSWORD }));
    expect(jwt.payload.sub).toBe(String(id));
    expect(jwt.payload.sub_type).toBe('user');
    expect(jwt.payload.scope).not.toContain('users:write');
  });

  it('accepts the optional profile fields and an RSA-2048 SPKI public key', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const username = uniqueName('profile');
    const res = await register(t, {
      username,
      password: PASSWORD,
      firstName: 'Tony',
      lastName: 'Hawk',
      email: 'hawk@example.com',
      description: 'Skater',
      publicKey: pem,
    });
    expect(res.status).toBe(201);
    expect(res.text).toBe(JSON.stringify({ username }));
    const row = await storedUser(t, username);
    expect(row).toMatchObject({
      firstName: 'Tony',
      lastName: 'Hawk',
      email: 'hawk@example.com',
      description: 'Skater',
    });
    const stored = createPublicKey(row.publicKey as string);
    expect(stored.export({ format: 'jwk' })).toEqual(publicKey.export({ format: 'jwk' }));
  });

  it('leaves the profile fields empty when they are not given', async () => {
    const username = uniqueName();
    await registerUser(t, username, PASSWORD);
    const row = await storedUser(t, username);
    expect(row).toMatchObject({
      firstName: null,
      lastName: null,
      email: null,
      description: null,
      publicKey: null,
    });
  });

  it.each([
    ['garbage', () => 'not a key'],
    [
      'a PEM with a broken body',
      () => '-----BEGIN PUBLIC KEY-----\nAAAAB3NzaC1yc2E=\n-----END PUBLIC KEY-----\n',
    ],
    [
      'an EC key',
      () =>
        generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString(),
    ],
    [
      'an RSA-1024 key',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 1024 })
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString(),
    ],
    [
      'an RSA private key',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
    ],
    ['a number', () => 2048],
  ])('refuses %s as publicKey with 400', async (_, makeKey) => {
    const username = uniqueName('key');
    const res = await register(t, { username, password: PASSWORD, publicKey: makeKey() });
    expectBadRequest(res, /publicKey/);
    expect(await storedUsers(t, username)).toHaveLength(0);
  });

  it.each([
    ['email that is not an address', { email: 'not-an-email' }, /email/],
    ['firstName that is a number', { firstName: 5 }, /firstName/],
    ['lastName that is an object', { lastName: { a: 1 } }, /lastName/],
    ['description that is a boolean', { description: true }, /description/],
  ])('refuses an %s with 400', async (_, extra, field) => {
    const username = uniqueName('profile');
    const res = await register(t, { username, password: PASSWORD, ...extra });
    expectBadRequest(res, field);
    expect(await storedUsers(t, username)).toHaveLength(0);
  });

  it.each([
    ['no username', { password: PASSWORD }, /username/],
    ['no password', { username: 'nopassword' }, /password/],
    ['an empty object', {}, /username|password/],
    ['a numeric username', { username: 12345, password: PASSWORD }, /username/],
    ['a null username', { username: null, password: PASSWORD }, /username/],
    ['an array username', { username: ['hawk2'], password: PASSWORD }, /username/],
    ['a numeric password', { username: 'numpass', password: 12345678 }, /password/],
    ['a boolean password', { username: 'boolpass', password: true }, /password/],
    ['an empty username', { username: '', password: PASSWORD }, /username/],
    ['a username with a colon', { username: 'ha:wk', password: PASSWORD }, /username/],
    ['a username of 65 characters', { username: 'x'.repeat(65), password: PASSWORD }, /username/],
    ['a username with a newline', { username: 'ha\nwk', password: PASSWORD }, /username/],
    ['a username with a leading space', { username: ' spacey', password: PASSWORD }, /username/],
    ['a password of 7 characters', { username: 'short', password: 'abcdefg' }, /password/],
    ['a password of 73 ASCII bytes', { username: 'long1', password: 'a'.repeat(73) }, /password/],
    [
      'a password of 37 two-byte characters (74 bytes)',
      { username: 'long2', password: 'é'.repeat(37) },
      /password/,
    ],
    [
      'a password of 73 bytes, the last character multibyte',
      { username: 'long3', password: `${'a'.repeat(71)}é` },
      /password/,
    ],
    [
      'a password of 19 emoji (76 bytes)',
      { username: 'long4', password: '\u{1F600}'.repeat(19) },
      /password/,
    ],
  ])('refuses %s with 400 and stores nothing', async (_, body, field) => {
    const res = await register(t, body);
    expectBadRequest(res, field);
    const username = (body as { username?: unknown }).username;
    if (typeof username === 'string' && username.length > 0) {
      expect(await storedUsers(t, username)).toHaveLength(0);
    }
  });

  it.each([
    ['a password of exactly 8 characters', uniqueName('min'), 'abcdefgh'],
    ['a password of exactly 72 ASCII bytes', uniqueName('max'), 'p'.repeat(72)],
    ['a password of 36 two-byte characters (72 bytes)', uniqueName('maxu'), 'é'.repeat(36)],
    ['a username of exactly 64 characters', 'u'.repeat(64), PASSWORD],
    ['a username of one character', 'z', PASSWORD],
    ['a non-ASCII username', 'Ærøskøbing-Ωmega', PASSWORD],
    ['a 64-character username whose case-folded form is long', '\uFDFA'.repeat(64), PASSWORD],
  ])('accepts %s, and the user can log in', async (_, username, password) => {
    const res = await register(t, { username, password });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ username });
    const login = await resource(t, basic(username, password));
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ data: `Hello, ${username}!` });
  });

  it("refuses a username that is taken, in any case, with the original's 400 naming it as asked", async () => {
    const username = uniqueName('Taken');
    await registerUser(t, username, PASSWORD);
    for (const again of [username, username.toLowerCase(), username.toUpperCase()]) {
      const res = await register(t, { username: again, password: 'another-password' });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.text).toBe(JSON.stringify({ status: `Username ${again} already exists` }));
    }
    expect(await storedUsers(t, username)).toHaveLength(1);
    const original = await resource(t, basic(username, PASSWORD));
    expect(original.body).toEqual({ data: `Hello, ${username}!` });
  });

  it('lets exactly one of two concurrent registrations of a name win', async () => {
    for (let round = 0; round < 3; round += 1) {
      const username = uniqueName('race');
      const results = await Promise.all([
        register(t, { username, password: 'first-password' }),
        register(t, { username, password: 'second-password' }),
      ]);
      expect(results.map((res) => res.status).sort((a, b) => a - b)).toEqual([201, 400]);
      expect(await storedUsers(t, username)).toHaveLength(1);
    }
  });

  it('lets exactly one of two concurrent registrations differing only in case win', async () => {
    for (let round = 0; round < 3; round += 1) {
      const username = uniqueName('Race');
      const results = await Promise.all([
        register(t, { username, password: 'first-password' }),
        register(t, { username: username.toUpperCase(), password: 'second-password' }),
      ]);
      expect(results.map((res) => res.status).sort((a, b) => a - b)).toEqual([201, 400]);
      expect(await storedUsers(t, username)).toHaveLength(1);
    }
  });

  it("refuses the document's own password, newpwd, under the default policy (8 characters)", async () => {
    const res = await register(t, { username: uniqueName('short'), password: 'newpwd' });
    expectBadRequest(res, /password must be at least 8 characters/);
  });

  it('refuses a body that is not valid JSON with 400', async () => {
    const res = await t
      .http()
      .post('/api/users')
      .set('Content-Type', 'application/json')
      .send('{"username":"broken","password":');
    expectBadRequest(res);
    expect(await storedUsers(t, 'broken')).toHaveLength(0);
  });

  it.each([
    ['a JSON array', '[{"username":"arrayed","password":"newpwd-2020"}]'],
    ['a JSON string', '"arrayed"'],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['an empty body', ''],
  ])('refuses %s as the body with 400', async (_, body) => {
    const res = await t
      .http()
      .post('/api/users')
      .set('Content-Type', 'application/json')
      .send(body);
    expectBadRequest(res);
    expect(await storedUsers(t, 'arrayed')).toHaveLength(0);
  });

  it('refuses a body that is neither JSON nor a form (text/plain, multipart) with 400', async () => {
    const text = await t
      .http()
      .post('/api/users')
      .set('Content-Type', 'text/plain')
      .send('{"username":"plain","password":"newpwd-2020"}');
    expectBadRequest(text);
    const multipart = await t
      .http()
      .post('/api/users')
      .field('username', 'multiparted')
      .field('password', PASSWORD);
    expectBadRequest(multipart);
    expect(await storedUsers(t, 'plain')).toHaveLength(0);
    expect(await storedUsers(t, 'multiparted')).toHaveLength(0);
  });
});

/** The fork the document was copied from reads `request.form` before the JSON. */
describe('REST-auth API: POST /api/users with a form body (application/x-www-form-urlencoded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const registerByForm = (body: string, authorization?: string) => {
    const req = t.http().post('/api/users').set('Content-Type', FORM);
    if (authorization) req.set('Authorization', authorization);
    return req.send(body);
  };

  it('registers the user as a JSON body does: 201, {"username"}, Location, and the user logs in', async () => {
    const username = uniqueName('formed');
    const res = await registerByForm(
      new URLSearchParams({ username, password: PASSWORD }).toString(),
    );
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).toBe(JSON.stringify({ username }));
    const id = idFromLocation(res);
    expect(Number((await storedUser(t, username)).id)).toBe(id);
    expect((await t.http().get(`/api/users/${id}`)).body).toEqual({ username });
    const login = await resource(t, basic(username, PASSWORD));
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ data: `Hello, ${username}!` });
  });

  it('decodes the form: a password with spaces, + and percent-escapes is the password given', async () => {
    const username = uniqueName('encoded');
    const password = 'a b+c%d&e=f é';
    const res = await registerByForm(new URLSearchParams({ username, password }).toString());
    expect(res.status).toBe(201);
    expect((await resource(t, basic(username, password))).status).toBe(200);
  });

  it.each([
    ['no username', { password: PASSWORD }],
    ['no password', { username: 'form-nopassword' }],
    ['an empty username', { username: '', password: PASSWORD }],
    ['a username with a colon', { username: 'form:hawk', password: PASSWORD }],
    ['a password of 7 characters', { username: 'form-short', password: 'abcdefg' }],
    ['a password of 73 bytes', { username: 'form-long', password: 'a'.repeat(73) }],
    ['an email that is not one', { username: 'form-mail', password: PASSWORD, email: 'nope' }],
  ])('refuses %s with the very 400 a JSON body gets', async (_, fields) => {
    const byForm = await registerByForm(new URLSearchParams(fields).toString());
    const byJson = await register(t, fields);
    expectBadRequest(byForm);
    expect(byForm.body).toEqual(byJson.body);
    if ('username' in fields && fields.username)
      expect(await storedUsers(t, fields.username)).toHaveLength(0);
  });

  it("refuses a taken username with the original's {status} 400", async () => {
    const username = uniqueName('FormTaken');
    await registerUser(t, username, PASSWORD);
    const res = await registerByForm(
      new URLSearchParams({ username: username.toLowerCase(), password: PASSWORD }).toString(),
    );
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      JSON.stringify({ status: `Username ${username.toLowerCase()} already exists` }),
    );
    expect(await storedUsers(t, username)).toHaveLength(1);
  });

  it('ignores privilege and enabled in the form, as in JSON (mass assignment)', async () => {
    const username = uniqueName('form-mass');
    const res = await registerByForm(
      new URLSearchParams({
        username,
        password: PASSWORD,
        privilege: 'admin',
        enabled: 'false',
      }).toString(),
    );
    expect(res.status).toBe(201);
    const row = await storedUser(t, username);
    expect(row.privilege).toBe('user');
    expect(asBoolean(row.enabled)).toBe(true);
  });

  it.each([
    [
      'a field given twice',
      'username=twice&username=again&password=newpwd-2020',
      /username/,
      'twice',
    ],
    ['a NUL in a value', 'username=nulled&password=newpwd%002020', /NUL/, 'nulled'],
  ])('refuses %s with a 400 naming it, in the API’s words', async (_, body, message, username) => {
    const res = await registerByForm(body);
    expectBadRequest(res, message);
    expect(res.body).toEqual({ error: 'Bad Request', message: expect.any(String) });
    expect(await storedUsers(t, username)).toHaveLength(0);
  });

  it('keeps the JSON body limit for a form', async () => {
    const res = await registerByForm(`username=big&password=${'x'.repeat(200_000)}`);
    expect(res.status).toBe(413);
    expect(await storedUsers(t, 'big')).toHaveLength(0);
  });
});

describe('REST-auth API: GET /api/users/{id}', () => {
  let t: TestApp;
  let id: number;
  beforeAll(async () => {
    t = await startTestApp();
    id = (await registerUser(t, 'Fetched', PASSWORD)).id;
  });
  afterAll(() => t.close());

  it('returns {"username"} exactly, with the registered spelling', async () => {
    const res = await t.http().get(`/api/users/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).toBe('{"username":"Fetched"}');
  });

  it.each(['99999', '0', '99999999999999999999', '2147483648'])(
    'answers 400 for the id %s, which no user has',
    async (badId) => {
      const res = await t.http().get(`/api/users/${badId}`);
      expectBadRequest(res);
    },
  );

  it.each(['abc', '-1', '1.5', '1e3', '%20', '1x', '0x10'])(
    "answers 404 for %s, which is not a number, as Flask's <int:id> route does",
    async (notANumber) => {
      const res = await t.http().get(`/api/users/${notANumber}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        error: 'Not Found',
        message: expect.stringMatching(/^The requested URL was not found on the server\./),
      });
    },
  );
});

/** Flask answers OPTIONS itself, 200 with Allow; the fork's own test asserts it. */
describe('REST-auth API: OPTIONS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['/api/users', 'POST'],
    ['/api/users/1', 'GET'],
    ['/api/users/1/public-key', 'PUT'],
    ['/api/token', 'GET'],
    ['/api/resource', 'GET'],
  ])(
    'answers 200 on %s with Allow naming %s, an empty body and no challenge',
    async (path, method) => {
      const res = await t.http().options(path);
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers.allow?.split(', ')).toEqual(expect.arrayContaining([method, 'OPTIONS']));
      expect(res.headers['www-authenticate']).toBeUndefined();
    },
  );

  it.each(['/v1/auth', '/auth/validate/1', '/api/v1/security/token', '/health/live'])(
    'leaves the other APIs at 204 (%s)',
    async (path) => {
      const res = await t.http().options(path);
      expect(res.status).toBe(204);
      expect(res.headers.allow).toMatch(/OPTIONS/);
    },
  );
});

describe('REST-auth API: GET /api/resource and GET /api/token', () => {
  let t: TestApp;
  let hawkId: number;
  const hawk = 'Hawk';
  beforeAll(async () => {
    t = await startTestApp();
    hawkId = (await registerUser(t, hawk, PASSWORD)).id;
  });
  // These cases try many wrong credentials on one account, which would lock it after five
  // (the lock, tested in brute-force.e2e-spec.ts); each case starts from a clean slate.
  beforeEach(() => sql(t, 'UPDATE "user" SET "failedLoginCount" = 0, "lockedUntil" = NULL'));
  afterAll(() => t.close());

  it('greets the user authenticated by Basic credentials', async () => {
    const res = await resource(t, basic(hawk, PASSWORD));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).toBe('{"data":"Hello, Hawk!"}');
  });

  it('matches the username case-insensitively and greets with the registered spelling', async () => {
    for (const spelling of ['hawk', 'HAWK', 'hAwK']) {
      const res = await resource(t, basic(spelling, PASSWORD));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: 'Hello, Hawk!' });
    }
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong password', basic(hawk, 'loremipsum')],
    ['the password in another case', basic(hawk, PASSWORD.toUpperCase())],
    ['an unknown user', basic('nobody-here', PASSWORD)],
    ['an empty username', basic('', PASSWORD)],
    ['an empty password', basic(hawk, '')],
    ['credentials without a colon', `Basic ${Buffer.from(hawk).toString('base64')}`],
    ['a Basic header without credentials', 'Basic'],
    ['a Basic header with garbage', 'Basic !!!not-base64!!!'],
    ['a Bearer header', 'Bearer abcdef'],
    ['a garbage token as username', basic('not-a-token', 'x')],
    [
      'a JWT-shaped garbage username',
      basic(`${'a'.repeat(40)}.${'b'.repeat(40)}.${'c'.repeat(40)}`, 'x'),
    ],
  ])('answers the document 401 to %s, on both routes', async (_, authorization) => {
    expectUnauthorized(await resource(t, authorization));
    expectUnauthorized(await token(t, authorization));
  });

  it.each(['/api/resource', '/api/token'])(
    'answers OPTIONS on %s with Allow and never a challenge',
    async (path) => {
      const res = await t.http().options(path);
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers.allow?.split(', ')).toEqual(expect.arrayContaining(['GET', 'OPTIONS']));
      expect(res.headers['www-authenticate']).toBeUndefined();
    },
  );

  it('answers an unknown user exactly as a wrong password', async () => {
    const unknown = await resource(t, basic('nobody-at-all', 'loremipsum'));
    const wrong = await resource(t, basic(hawk, 'loremipsum'));
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.text).toBe(wrong.text);
    expect(unknown.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
    expect(unknown.headers['content-type']).toBe(wrong.headers['content-type']);
  });

  it('issues {token, duration: 600}: an RS256 JWT with the documented claims', async () => {
    const before = nowSeconds();
    const res = await token(t, basic(hawk, PASSWORD));
    const after = nowSeconds();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['duration', 'token']);
    expect(res.body.duration).toBe(600);
    // The document's example shows the token in a `token` header too.
    expect(res.headers.token).toBe(res.body.token);
    expectNoSecrets(res, PASSWORD);

    const jwt = decodeJwt(res.body.token as string);
    expect(jwt.header.alg).toBe('RS256');
    expect(typeof jwt.header.kid).toBe('string');
    const keys = await jwks(t);
    const key = keys.find((candidate) => candidate.kid === jwt.header.kid);
    expect(key).toBeDefined();
    expect(key).toMatchObject({ kty: 'RSA' });
    expect(key).not.toHaveProperty('d');
    const publicKey = createPublicKey({ key: key!, format: 'jwk' });
    expect(
      verifySignature(
        'RSA-SHA256',
        Buffer.from(jwt.signingInput),
        publicKey,
        Buffer.from(jwt.signature, 'base64url'),
      ),
    ).toBe(true);

    const { payload } = jwt;
    expect(payload.sub).toBe(String(hawkId));
    expect(payload.sub_type).toBe('user');
    expect(payload.iss).toBe('gatehouse');
    expect(typeof payload.scope).toBe('string');
    expect(payload.scope).toBe(t.config.defaultScopes.user);
    expect(typeof payload.jti).toBe('string');
    expect((payload.jti as string).length).toBeGreaterThan(0);
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
    expect(payload.exp).toBe((payload.iat as number) + 600);
  });

  it('gives each token its own jti', async () => {
    const first = decodeJwt(await restTokenFor(t, { username: hawk, password: PASSWORD }));
    const second = decodeJwt(await restTokenFor(t, { username: hawk, password: PASSWORD }));
    expect(first.payload.jti).not.toBe(second.payload.jti);
  });

  it('accepts the token as username with any password, on /api/resource', async () => {
    const jwt = await restTokenFor(t, { username: hawk, password: PASSWORD });
    for (const password of ['x', 'anything-at-all', 'wrong:with:colons']) {
      const res = await resource(t, basic(jwt, password));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: 'Hello, Hawk!' });
    }
  });

  it('accepts the token as username with an empty password', async () => {
    const jwt = await restTokenFor(t, { username: hawk, password: PASSWORD });
    const res = await resource(t, basic(jwt, ''));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: 'Hello, Hawk!' });
  });

  it('accepts a token fetched right after registration', async () => {
    const username = uniqueName('fresh');
    await registerUser(t, username, PASSWORD);
    const jwt = await restTokenFor(t, { username, password: PASSWORD });
    const res = await resource(t, basic(jwt, 'x'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: `Hello, ${username}!` });
  });

  it('exchanges a valid token for a fresh one that works too', async () => {
    const first = await restTokenFor(t, { username: hawk, password: PASSWORD });
    const res = await token(t, basic(first, 'x'));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['duration', 'token']);
    expect(res.body.duration).toBe(600);
    const second = res.body.token as string;
    expect(second).not.toBe(first);
    const decoded = decodeJwt(second);
    expect(decoded.payload.sub).toBe(String(hawkId));
    expect(decoded.payload.jti).not.toBe(decodeJwt(first).payload.jti);
    const greeting = await resource(t, basic(second, 'whatever'));
    expect(greeting.body).toEqual({ data: 'Hello, Hawk!' });
  });

  it('accepts a token it signed with its key and the right claims (control for the forgeries)', async () => {
    const real = decodeJwt(await restTokenFor(t, { username: hawk, password: PASSWORD }));
    const pem = await signingKeyPem(t, real.header.kid as string);
    const forged = signRs256(real.header, { ...real.payload, jti: randomUUID() }, pem);
    const res = await resource(t, basic(forged, 'x'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: 'Hello, Hawk!' });
  });

  it('refuses tampered, unsigned, confused-algorithm and foreign tokens with the document 401', async () => {
    const jwtString = await restTokenFor(t, { username: hawk, password: PASSWORD });
    const real = decodeJwt(jwtString);
    const [headerPart, payloadPart, signaturePart] = jwtString.split('.');
    const otherId = (await registerUser(t, uniqueName('victim'), PASSWORD)).id;

    const tamperedPayload = `${headerPart}.${b64url({ ...real.payload, sub: String(otherId) })}.${signaturePart}`;
    const flipped = signaturePart[20] === 'A' ? 'B' : 'A';
    const tamperedSignature = `${headerPart}.${payloadPart}.${signaturePart.slice(0, 20)}${flipped}${signaturePart.slice(21)}`;
    const noneHeader = b64url({ alg: 'none', typ: 'JWT', kid: real.header.kid });
    const algNone = `${noneHeader}.${payloadPart}.`;
    const algNoneWithSignature = `${noneHeader}.${payloadPart}.${signaturePart}`;
    const algNoneNoKid = `${b64url({ alg: 'none', typ: 'JWT' })}.${payloadPart}.`;

    const key = (await jwks(t)).find((candidate) => candidate.kid === real.header.kid)!;
    const publicPem = createPublicKey({ key, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const hsInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid: real.header.kid })}.${payloadPart}`;
    const hs256 = `${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`;

    const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const foreignSameKid = signRs256(real.header, real.payload, foreignKey);
    const foreignOtherKid = signRs256(
      { ...real.header, kid: 'someone-else' },
      real.payload,
      foreignKey,
    );

    for (const forged of [
      tamperedPayload,
      tamperedSignature,
      algNone,
      algNoneWithSignature,
      algNoneNoKid,
      hs256,
      foreignSameKid,
      foreignOtherKid,
      `${headerPart}.${payloadPart}`,
    ]) {
      expectUnauthorized(await resource(t, basic(forged, 'x')));
      expectUnauthorized(await token(t, basic(forged, 'x')));
    }
  });

  it('refuses a token that has expired, has another issuer, or names no user', async () => {
    const real = decodeJwt(await restTokenFor(t, { username: hawk, password: PASSWORD }));
    const pem = await signingKeyPem(t, real.header.kid as string);
    const now = nowSeconds();
    const claims = { ...real.payload, jti: randomUUID() };
    const cases = [
      signRs256(real.header, { ...claims, iat: now - 1200, exp: now - 600 }, pem),
      signRs256(real.header, { ...claims, iss: 'someone-else' }, pem),
      signRs256(real.header, { ...claims, sub: '987654' }, pem),
      signRs256(real.header, { ...claims, sub: 'Hawk' }, pem),
    ];
    for (const forged of cases) {
      expectUnauthorized(await resource(t, basic(forged, 'x')));
      expectUnauthorized(await token(t, basic(forged, 'x')));
    }
  });

  it('logs in a user whose password contains colons', async () => {
    const username = uniqueName('colon');
    const password = 'pass:word:1234';
    await registerUser(t, username, password);
    const res = await resource(t, basic(username, password));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: `Hello, ${username}!` });
    expectUnauthorized(await resource(t, basic(username, 'pass')));
  });

  it('shuts a disabled user out, by password and by token', async () => {
    const username = uniqueName('disabled');
    await registerUser(t, username, PASSWORD);
    const jwt = await restTokenFor(t, { username, password: PASSWORD });
    expect((await resource(t, basic(jwt, 'x'))).status).toBe(200);
    await t.db.getRepository(User).update({ usernameKey: username }, { enabled: false });
    expectUnauthorized(await resource(t, basic(username, PASSWORD)));
    expectUnauthorized(await token(t, basic(username, PASSWORD)));
    expectUnauthorized(await resource(t, basic(jwt, 'x')));
    expectUnauthorized(await token(t, basic(jwt, 'x')));
  });

  it('keeps the password and its hash out of every response', async () => {
    const username = uniqueName('secret');
    const password = 'Very-Secret-Value-42';
    const created = await register(t, { username, password });
    const id = idFromLocation(created);
    const { passwordHash } = await storedUser(t, username);
    const responses = [
      created,
      await t.http().get(`/api/users/${id}`),
      await token(t, basic(username, password)),
      await resource(t, basic(username, password)),
    ];
    for (const res of responses) expectNoSecrets(res, password, passwordHash as string);
  });
});

describe('REST-auth API with REGISTRATION_OPEN=false and a configured admin', () => {
  let t: TestApp;
  const admin = basic('admin', 'changeme-admin-42');
  beforeAll(async () => {
    t = await startTestApp({
      REGISTRATION_OPEN: 'false',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'changeme-admin-42',
    });
  });
  afterAll(() => t.close());

  it('creates the admin from ADMIN_USERNAME/ADMIN_PASSWORD, stored as an admin', async () => {
    const row = await storedUser(t, 'admin');
    expect(row.privilege).toBe('admin');
    expect(asBoolean(row.enabled)).toBe(true);
    expect(row.passwordHash).toMatch(/^\$2b\$/);
    expect(row.passwordHash).not.toContain('changeme-admin-42');
    const greeting = await resource(t, admin);
    expect(greeting.body).toEqual({ data: 'Hello, admin!' });
    const jwt = decodeJwt(
      await restTokenFor(t, { username: 'admin', password: 'changeme-admin-42' }),
    );
    expect(jwt.payload.sub).toBe(String(row.id));
    expect(jwt.payload.sub_type).toBe('admin');
    expect(jwt.payload.scope).toBe(t.config.defaultScopes.admin);
  });

  it('refuses an anonymous registration with the document 401', async () => {
    const res = await register(t, { username: 'anonymous-1', password: PASSWORD });
    expectUnauthorized(res);
    expect(await storedUsers(t, 'anonymous-1')).toHaveLength(0);
  });

  it('refuses a registration with a wrong admin password with the document 401', async () => {
    const res = await register(
      t,
      { username: 'anonymous-2', password: PASSWORD },
      basic('admin', 'wrong-password'),
    );
    expectUnauthorized(res);
    expect(await storedUsers(t, 'anonymous-2')).toHaveLength(0);
  });

  it('lets the admin register a user (201), and refuses that user with 403', async () => {
    const created = await register(t, { username: 'staff', password: PASSWORD }, admin);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ username: 'staff' });
    idFromLocation(created);
    expect((await storedUser(t, 'staff')).privilege).toBe('user');

    const byUser = await register(
      t,
      { username: 'staff-friend', password: PASSWORD },
      basic('staff', PASSWORD),
    );
    expect(byUser.status).toBe(403);
    expect(await storedUsers(t, 'staff-friend')).toHaveLength(0);

    const staffToken = await restTokenFor(t, { username: 'staff', password: PASSWORD });
    const byUserToken = await register(
      t,
      { username: 'staff-friend', password: PASSWORD },
      basic(staffToken, 'x'),
    );
    expect(byUserToken.status).toBe(403);
    expect(await storedUsers(t, 'staff-friend')).toHaveLength(0);
  });

  it('lets the admin register with a token as username', async () => {
    const adminToken = await restTokenFor(t, { username: 'admin', password: 'changeme-admin-42' });
    const res = await register(
      t,
      { username: 'by-token', password: PASSWORD },
      basic(adminToken, 'x'),
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ username: 'by-token' });
  });

  it('still validates the admin request body (400) and ignores privilege in it', async () => {
    expectBadRequest(
      await register(t, { username: 'shorty', password: 'short' }, admin),
      /password/,
    );
    const res = await register(
      t,
      { username: 'not-an-admin', password: PASSWORD, privilege: 'admin', enabled: false },
      admin,
    );
    expect(res.status).toBe(201);
    const row = await storedUser(t, 'not-an-admin');
    expect(row.privilege).toBe('user');
    expect(asBoolean(row.enabled)).toBe(true);
  });
});

/**
 * The document's example, word for word: registration closed, an admin `admin:changeme` who
 * registers `hawk` with the password `newpwd`. Both passwords are refused by the default policy;
 * PASSWORD_MIN_LENGTH=6 and PASSWORD_REFUSE_COMMON=false admit them (docs/apis.md, REST-auth).
 */
describe("REST-auth API: the document's own example, with the policy that admits its passwords", () => {
  let t: TestApp;
  const admin = basic('admin', 'changeme');
  beforeAll(async () => {
    t = await startTestApp({
      REGISTRATION_OPEN: 'false',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'changeme',
      PASSWORD_MIN_LENGTH: '6',
      PASSWORD_REFUSE_COMMON: 'false',
    });
  });
  afterAll(() => t.close());

  it('registers hawk:newpwd with -u admin:changeme; hawk logs in, and only once is hawk registered', async () => {
    const created = await register(t, { username: 'hawk', password: 'newpwd' }, admin);
    expect(created.status).toBe(201);
    expect(created.text).toBe('{"username":"hawk"}');
    const fetched = await t.http().get(`/api/users/${idFromLocation(created)}`);
    expect(fetched.body).toEqual({ username: 'hawk' });

    const greeting = await resource(t, basic('hawk', 'newpwd'));
    expect(greeting.status).toBe(200);
    expect(greeting.text).toBe('{"data":"Hello, hawk!"}');
    expectUnauthorized(await resource(t, basic('hawk', 'loremipsum')));

    const again = await register(t, { username: 'hawk', password: 'newpwd' }, admin);
    expect(again.status).toBe(400);
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.text).toBe('{"status":"Username hawk already exists"}');
  });

  it('registers by a form body with -u admin:changeme, and refuses the form without it', async () => {
    const form = (authorization?: string) => {
      const req = t.http().post('/api/users').type('form');
      if (authorization) req.set('Authorization', authorization);
      return req.send({ username: 'falcon', password: 'newpwd' });
    };
    expectUnauthorized(await form());
    expect(await storedUsers(t, 'falcon')).toHaveLength(0);
    const created = await form(admin);
    expect(created.status).toBe(201);
    expect(created.text).toBe('{"username":"falcon"}');
    expect((await resource(t, basic('falcon', 'newpwd'))).status).toBe(200);
  });

  it('greets the admin, and gives a token in the body and the token header that works as username', async () => {
    const hello = await resource(t, admin);
    expect(hello.status).toBe(200);
    expect(hello.text).toBe('{"data":"Hello, admin!"}');

    const issued = await token(t, admin);
    expect(issued.status).toBe(200);
    expect(issued.body.duration).toBe(600);
    expect(issued.headers.token).toBe(issued.body.token);
    const byToken = await resource(t, basic(issued.headers.token as string, 'x'));
    expect(byToken.status).toBe(200);
    expect(byToken.text).toBe('{"data":"Hello, admin!"}');
  });

  it('answers OPTIONS on the closed registration with Allow, never a challenge', async () => {
    const res = await t.http().options('/api/users');
    expect(res.status).toBe(200);
    expect(res.headers.allow?.split(', ')).toEqual(expect.arrayContaining(['POST', 'OPTIONS']));
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});

describe('REST-auth API: bcrypt cost upgrade (BCRYPT_COST=5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BCRYPT_COST: '5' });
  });
  afterAll(() => t.close());

  it('hashes new passwords at the configured cost', async () => {
    await registerUser(t, 'costly', PASSWORD);
    const { passwordHash } = await storedUser(t, 'costly');
    expect(bcrypt.getRounds(passwordHash as string)).toBe(5);
  });

  it('re-hashes a cost-4 hash at cost 5 on the next successful login only', async () => {
    await registerUser(t, 'upgraded', PASSWORD);
    const oldHash = await bcrypt.hash(PASSWORD, 4);
    await t.db.getRepository(User).update({ usernameKey: 'upgraded' }, { passwordHash: oldHash });

    expectUnauthorized(await resource(t, basic('upgraded', 'wrong-password')));
    expect((await storedUser(t, 'upgraded')).passwordHash).toBe(oldHash);

    const res = await resource(t, basic('upgraded', PASSWORD));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: 'Hello, upgraded!' });
    const { passwordHash } = await storedUser(t, 'upgraded');
    expect(passwordHash).not.toBe(oldHash);
    expect(passwordHash).toMatch(/^\$2b\$05\$/);
    expect(bcrypt.getRounds(passwordHash as string)).toBe(5);
    expect(await bcrypt.compare(PASSWORD, passwordHash as string)).toBe(true);

    const again = await resource(t, basic('upgraded', PASSWORD));
    expect(again.status).toBe(200);
    expect((await storedUser(t, 'upgraded')).passwordHash).toBe(passwordHash);
  });
});
