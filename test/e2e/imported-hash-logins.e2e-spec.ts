import { IMPORTED_HASH_VECTORS } from '../fixtures/imported-hashes/vectors.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { accessTokenFor } from '../support/credentials.js';
import { uniqueName } from '../support/fixtures.js';

/** Derivations of imported pbkdf2 hashes under way at once, as node:crypto sees them. */
const derivations = vi.hoisted(() => ({ running: 0, most: 0, count: 0 }));

vi.mock('node:crypto', async (importOriginal) => {
  const { withWatchedPbkdf2 } = await import('../support/watched-pbkdf2.js');
  return withWatchedPbkdf2(await importOriginal(), {
    started: () => {
      derivations.count += 1;
      derivations.running += 1;
      derivations.most = Math.max(derivations.most, derivations.running);
    },
    finished: () => {
      derivations.running -= 1;
    },
  });
});

const ADMIN = { username: 'hash-admin', password: 'hash-admin-password-1' };
// Werkzeug's default of its 2.x releases: 260,000 iterations, a tenth of a second or so each.
const vector = IMPORTED_HASH_VECTORS.find((candidate) =>
  candidate.hash.startsWith('pbkdf2:sha256:260000$'),
)!;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
});
afterAll(() => t?.close());

it('checks the logins of imported users one hash at a time, however many come at once', async () => {
  const users = Array.from({ length: 6 }, () => uniqueName('imported'));
  await t
    .http()
    .post('/api/admin/users/import')
    .set('Authorization', `Bearer ${await accessTokenFor(t, ADMIN)}`)
    .set('Content-Type', 'application/x-ndjson')
    .send(
      users.map((username) => JSON.stringify({ username, passwordHash: vector.hash })).join('\n'),
    )
    .expect(200);
  derivations.most = 0;
  derivations.count = 0;

  const answers = await Promise.all(
    users.map(async (username, i) => {
      const password = i === 0 ? vector.password : vector.wrong;
      return (await t.api.POST('/v1/auth', { body: { username, password } })).response.status;
    }),
  );
  expect(answers).toEqual([200, 401, 401, 401, 401, 401]);
  expect(derivations.count).toBe(6);
  expect(derivations.most).toBe(1);
});
