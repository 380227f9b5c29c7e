import { Clock } from '../../src/clock/clock.service.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { accessTokenFor, restTokenFor } from '../support/credentials.js';
import { decodeJwt, registerUser, type TestUser } from '../support/fixtures.js';

/**
 * Expiry is exact at every check Gatehouse makes itself: an access JWT is live up to the second
 * before its `exp` and dead from that second on, with no leeway, on the app's one clock (the
 * issuer and the checker share it). A leeway is for other services verifying locally. Its `iat`
 * may be at most 30 s ahead of that clock.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'expiry-admin', password: 'expiry-admin-password' };

let t: TestApp;
let user: TestUser;
let client: { clientId: string; clientSecret: string };

/** The app's clock held still at `ms`, until moved: so that a second boundary is hit exactly. */
function holdClock(atMs: number): { set(ms: number): void; restore(): void } {
  let now = atMs;
  const spy = vi.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
  return {
    set: (ms) => {
      now = ms;
    },
    restore: () => spy.mockRestore(),
  };
}

/** Every door that takes an access JWT, each saying whether it took this one. */
const doors: [string, (token: string) => Promise<boolean>][] = [
  [
    'the Security API token check',
    async (token) => {
      const res = await t.http().post('/api/v1/security/token').send({ token, service: 'orders' });
      expect(res.status).toBe(200);
      return res.body.tokenStatus === 'valid';
    },
  ],
  [
    'privilegeToken',
    async (token) => {
      const res = await t.http().get('/api/v1/security/privilegeToken').set('Authorization', token);
      expect([200, 401]).toContain(res.status);
      return res.status === 200;
    },
  ],
  [
    'introspection',
    async (token) => {
      const res = await t
        .http()
        .post('/oauth2/introspect')
        .set('Authorization', basic(client.clientId, client.clientSecret))
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(new URLSearchParams({ token }).toString());
      expect(res.status).toBe(200);
      if (res.body.active) expect(res.body.exp).toBeGreaterThan(t.app.get(Clock).nowMs() / 1000);
      else expect(res.body).toEqual({ active: false });
      return res.body.active === true;
    },
  ],
  [
    'forward authentication',
    async (token) => {
      const res = await t.http().get('/auth/forward').set('Authorization', `Bearer ${token}`);
      expect([200, 401]).toContain(res.status);
      return res.status === 200;
    },
  ],
  [
    'a self-service route taking Bearer',
    async (token) => {
      const res = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
      expect([200, 401]).toContain(res.status);
      return res.status === 200;
    },
  ],
  [
    'REST-auth /api/resource, token as username',
    async (token) => {
      const res = await t.http().get('/api/resource').set('Authorization', basic(token, 'x'));
      expect([200, 401]).toContain(res.status);
      return res.status === 200;
    },
  ],
  [
    'REST-auth /api/token, token as username',
    async (token) => {
      const res = await t.http().get('/api/token').set('Authorization', basic(token, 'x'));
      expect([200, 401]).toContain(res.status);
      return res.status === 200;
    },
  ],
];

async function verdicts(token: string): Promise<Record<string, boolean>> {
  const seen: Record<string, boolean> = {};
  for (const [door, takes] of doors) seen[door] = await takes(token);
  return seen;
}

const everyDoor = (accepted: boolean) =>
  Object.fromEntries(doors.map(([door]) => [door, accepted]));

beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  user = await registerUser(t, 'expiring-user', PASSWORD);
  const admin = await accessTokenFor(t, ADMIN);
  const res = await t
    .http()
    .post('/api/admin/clients')
    .set('Authorization', `Bearer ${admin}`)
    .send({ name: 'orders' });
  expect(res.status).toBe(201);
  client = res.body as typeof client;
});

afterAll(() => t?.close());

describe.each([
  ['the JWT API (/v1/auth)', () => accessTokenFor(t, user)],
  ['REST-auth (/api/token)', () => restTokenFor(t, user)],
])('an access JWT of %s', (_api, mint) => {
  it('is taken at exp - 1 s and refused from exp on, at every door, on the app clock', async () => {
    const clock = holdClock(Math.floor(Date.now() / 1000) * 1000);
    try {
      const token = await mint();
      const exp = Number(decodeJwt(token).payload.exp);
      // Each door warms whatever it keeps (verified signatures, liveness) a second before.
      clock.set((exp - 1) * 1000);
      expect(await verdicts(token)).toEqual(everyDoor(true));
      clock.set((exp - 1) * 1000 + 999);
      expect(await verdicts(token)).toEqual(everyDoor(true));
      clock.set(exp * 1000);
      expect(await verdicts(token)).toEqual(everyDoor(false));
      clock.set((exp + 3) * 1000);
      expect(await verdicts(token)).toEqual(everyDoor(false));
    } finally {
      clock.restore();
    }
  });
});

describe('iat', () => {
  it('is taken up to 30 s ahead of the app clock, and no further', async () => {
    const mintedAt = Math.floor(Date.now() / 1000) * 1000;
    const clock = holdClock(mintedAt);
    try {
      const token = await accessTokenFor(t, user);
      expect(Number(decodeJwt(token).payload.iat) * 1000).toBe(mintedAt);
      clock.set(mintedAt - 31_000);
      expect(await verdicts(token)).toEqual(everyDoor(false));
      clock.set(mintedAt - 30_000);
      expect(await verdicts(token)).toEqual(everyDoor(true));
    } finally {
      clock.restore();
    }
  });
});
