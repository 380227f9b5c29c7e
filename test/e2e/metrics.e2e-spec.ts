import { MAX_SERVICE_LABELS } from '../../src/metrics/metrics.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { sessionSecretOf } from '../support/credentials.js';
import { registerUser, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * GET /metrics: Prometheus text with the default process metrics and Gatehouse's own
 * counters and request-duration histogram, moved by real requests. prom-client's registry is
 * one per process, so every check compares before and after.
 */

const PASSWORD = 'correct-horse-battery';

type Labels = Record<string, string>;

/** The samples of `name` in Prometheus text, each with its labels and value. */
function samples(text: string, name: string): { labels: Labels; value: number }[] {
  const found: { labels: Labels; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Labels = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

/** The value of the sample of `name` whose labels include `labels`; 0 when there is none yet. */
function valueOf(text: string, name: string, labels: Labels): number {
  const sample = samples(text, name).find((candidate) =>
    Object.entries(labels).every(([key, value]) => candidate.labels[key] === value),
  );
  return sample?.value ?? 0;
}

describe('GET /metrics', () => {
  let t: TestApp;
  let alice: TestUser;

  const metrics = async (): Promise<string> => {
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(200);
    return res.text;
  };
  const jwtLogin = (username: string, password: string) =>
    t.http().post('/v1/auth').send({ username, password });

  beforeAll(async () => {
    t = await startTestApp();
    alice = await registerUser(t, uniqueName('alice'), PASSWORD);
  });

  afterAll(() => t?.close());

  it('answers Prometheus text with the default process metrics and every Gatehouse metric', async () => {
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'gatehouse_logins_total',
      'gatehouse_token_checks_total',
      'gatehouse_session_validations_total',
      'gatehouse_lockouts_total',
      'gatehouse_http_request_duration_seconds',
    ]) {
      expect(res.text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts logins by API and outcome', async () => {
    const before = await metrics();
    expect((await jwtLogin(alice.username, alice.password)).status).toBe(200);
    expect((await jwtLogin(alice.username, 'wrong-password-1')).status).toBe(401);
    const session = await t
      .http()
      .post('/auth/login')
      .send({ login: alice.username, password: 'nope-nope' });
    expect(session.status).toBe(401);
    const after = await metrics();

    const delta = (api: string, outcome: string) =>
      valueOf(after, 'gatehouse_logins_total', { api, outcome }) -
      valueOf(before, 'gatehouse_logins_total', { api, outcome });
    expect(delta('jwt', 'success')).toBe(1);
    expect(delta('jwt', 'failure')).toBe(1);
    expect(delta('session', 'failure')).toBe(1);
    expect(delta('session', 'success')).toBe(0);
  });

  it('counts lockouts by API', async () => {
    const victim = await registerUser(t, uniqueName('locked'), PASSWORD);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await jwtLogin(victim.username, `wrong-${attempt}-password`)).status).toBe(401);
    }
    const before = await metrics();
    expect((await jwtLogin(victim.username, victim.password)).status).toBe(429);
    const after = await metrics();
    expect(
      valueOf(after, 'gatehouse_lockouts_total', { api: 'jwt' }) -
        valueOf(before, 'gatehouse_lockouts_total', { api: 'jwt' }),
    ).toBe(1);
    expect(
      valueOf(after, 'gatehouse_logins_total', { api: 'jwt', outcome: 'failure' }) -
        valueOf(before, 'gatehouse_logins_total', { api: 'jwt', outcome: 'failure' }),
    ).toBe(1);
  });

  it('counts token checks by kind, outcome and service, with odd service names as "other"', async () => {
    const jwt = (await jwtLogin(alice.username, alice.password)).body.access_token as string;
    const check = (token: string, service: string) =>
      t.http().post('/api/v1/security/token').send({ token, service });
    const before = await metrics();
    expect((await check(jwt, 'billing')).body).toEqual({ tokenStatus: 'valid' });
    expect((await check(jwt, 'billing')).body).toEqual({ tokenStatus: 'valid' });
    expect((await check('3f1c8f53-6f58-4b83-9d0c-2a7c5b2e7f11', 'billing')).body).toEqual({
      tokenStatus: 'invalid',
    });
    expect((await check(jwt, 'no such {service}')).body).toEqual({ tokenStatus: 'valid' });
    expect((await check('x'.repeat(9000), 'billing')).body).toEqual({ tokenStatus: 'invalid' });
    const after = await metrics();

    const delta = (labels: Labels) =>
      valueOf(after, 'gatehouse_token_checks_total', labels) -
      valueOf(before, 'gatehouse_token_checks_total', labels);
    expect(delta({ kind: 'access-jwt', outcome: 'valid', service: 'billing' })).toBe(2);
    expect(delta({ kind: 'user-token', outcome: 'invalid', service: 'billing' })).toBe(1);
    expect(delta({ kind: 'access-jwt', outcome: 'valid', service: 'other' })).toBe(1);
    expect(delta({ kind: 'other', outcome: 'invalid', service: 'billing' })).toBe(1);
    expect(after).not.toContain('no such');
    expect(after).not.toContain(jwt);
  });

  it('keeps at most MAX_SERVICE_LABELS service names apart, so callers cannot grow memory without end', async () => {
    const jwt = (await jwtLogin(alice.username, alice.password)).body.access_token as string;
    for (let n = 0; n < MAX_SERVICE_LABELS + 20; n += 1) {
      const check = await t
        .http()
        .post('/api/v1/security/token')
        .send({ token: jwt, service: `service-${n}` });
      expect(check.body).toEqual({ tokenStatus: 'valid' });
    }
    const services = new Set(
      samples(await metrics(), 'gatehouse_token_checks_total').map(({ labels }) => labels.service),
    );
    expect(services.size).toBeLessThanOrEqual(MAX_SERVICE_LABELS + 1);
    expect(services).toContain('other');
    expect(services).not.toContain(`service-${MAX_SERVICE_LABELS + 19}`);
  });

  it('counts session validations by outcome', async () => {
    const login = await t
      .http()
      .post('/auth/login')
      .send({ login: alice.username, password: alice.password });
    expect(login.status).toBe(201);
    const secret = sessionSecretOf(login.headers['set-cookie']);
    const before = await metrics();
    expect((await t.http().get(`/auth/validate/${login.body.sid}${secret}`)).status).toBe(200);
    expect((await t.http().get(`/auth/validate/${login.body.sid}${'0'.repeat(64)}`)).status).toBe(
      404,
    );
    // A sid that is not one is bad input (400 INVALIDDATA), and an invalid validation all the same.
    expect((await t.http().get('/auth/validate/not-a-sid')).status).toBe(400);
    const after = await metrics();
    const delta = (outcome: string) =>
      valueOf(after, 'gatehouse_session_validations_total', { outcome }) -
      valueOf(before, 'gatehouse_session_validations_total', { outcome });
    expect(delta('valid')).toBe(1);
    expect(delta('invalid')).toBe(2);
  });

  it('times requests by route pattern, never by path, and holds no secret', async () => {
    const login = await t
      .http()
      .post('/auth/login')
      .send({ login: alice.username, password: alice.password });
    const secret = sessionSecretOf(login.headers['set-cookie']);
    const sidPath = `/auth/validate/${login.body.sid}${secret}`;
    const route = { method: 'GET', route: '/auth/validate/:sid', status: '200' };
    const count = (text: string) =>
      valueOf(text, 'gatehouse_http_request_duration_seconds_count', route);
    const before = await metrics();
    expect((await t.http().get(sidPath)).status).toBe(200);
    expect((await t.http().get(`/api/users/${alice.id}`)).status).toBe(200);
    expect((await t.http().get('/no/such/route/here')).status).toBe(404);

    await expect.poll(async () => count(await metrics()) - count(before)).toBe(1);
    const after = await metrics();
    expect(
      valueOf(after, 'gatehouse_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/users/:id',
        status: '200',
      }),
    ).toBeGreaterThan(0);
    const buckets = samples(after, 'gatehouse_http_request_duration_seconds_bucket').filter(
      (sample) => sample.labels.route === '/auth/validate/:sid',
    );
    expect(buckets.find((bucket) => bucket.labels.le === '+Inf')?.value).toBeGreaterThan(0);

    const routes = new Set(
      samples(after, 'gatehouse_http_request_duration_seconds_count').map((s) => s.labels.route),
    );
    for (const seen of routes) expect(seen).not.toMatch(/[0-9a-f]{64}|\/no\/such|\/users\/[0-9]/);
    for (const secretValue of [secret, alice.password, String(login.body.sid) + secret]) {
      expect(after).not.toContain(secretValue);
    }
  });
});
