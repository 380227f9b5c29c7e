import { startTestApp, type TestApp } from '../support/app.js';

const ALLOWED = 'https://app.example.com';

/** The methods an `Allow` header names, in a comparable form. */
function allowed(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((method) => method.trim())
    .filter(Boolean)
    .sort();
}

describe('OPTIONS, with no CORS origins configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers with Allow on a protected REST-auth route (200, as Flask), and never a challenge', async () => {
    const res = await t.http().options('/api/resource');
    expect(res.status).toBe(200);
    expect(allowed(res.headers.allow)).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('names every method of a route with several, parameters included', async () => {
    const users = await t.http().options('/api/users');
    expect(users.status).toBe(200);
    expect(allowed(users.headers.allow)).toEqual(expect.arrayContaining(['OPTIONS', 'POST']));
    const user = await t.http().options('/api/users/1');
    expect(user.status).toBe(200);
    expect(allowed(user.headers.allow)).toEqual(expect.arrayContaining(['GET', 'OPTIONS']));
    const admin = await t.http().options('/api/admin/users/1');
    expect(admin.status).toBe(204);
    expect(allowed(admin.headers.allow)).toEqual(expect.arrayContaining(['GET', 'OPTIONS']));
  });

  it('sends no CORS headers, even to a preflight', async () => {
    const res = await t
      .http()
      .options('/api/resource')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'GET');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('still answers unknown paths with 404', async () => {
    expect((await t.http().options('/no/such/path')).status).toBe(404);
  });
});

describe('CORS_ORIGINS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: `${ALLOWED}, https://admin.example.com` });
  });
  afterAll(() => t.close());

  const preflight = (origin: string) =>
    t
      .http()
      .options('/api/resource')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');

  it('answers a preflight from a named origin with that origin, credentials and Allow', async () => {
    const res = await preflight(ALLOWED);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toContain('GET');
    expect(res.headers['access-control-allow-headers']).toMatch(/authorization/i);
    expect(res.headers.vary).toMatch(/origin/i);
    expect(allowed(res.headers.allow)).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('sends no CORS headers to another origin', async () => {
    const res = await preflight('https://evil.example.com');
    expect(res.status).toBe(200);
    expect(allowed(res.headers.allow)).toEqual(['GET', 'HEAD', 'OPTIONS']);
    const corsHeaders = Object.keys(res.headers).filter((name) =>
      name.startsWith('access-control-'),
    );
    expect(corsHeaders).toEqual([]);
  });

  it('lets a named origin read the answer of a real request, and no other', async () => {
    const own = await t.http().get('/health/live').set('Origin', ALLOWED);
    expect(own.status).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(own.headers['access-control-allow-credentials']).toBe('true');
    const other = await t.http().get('/health/live').set('Origin', 'https://evil.example.com');
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers OPTIONS without an Origin as it does with no CORS configured', async () => {
    const res = await t.http().options('/api/resource');
    expect(res.status).toBe(200);
    expect(allowed(res.headers.allow)).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});
