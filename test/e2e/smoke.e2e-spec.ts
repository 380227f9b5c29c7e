import { basic, startTestApp, type TestApp } from '../support/app.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('registers and fetches a resource', async () => {
    const created = await t
      .http()
      .post('/api/users')
      .send({ username: 'hawk', password: 'newpwd-2020' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ username: 'hawk' });
    const res = await t
      .http()
      .get('/api/resource')
      .set('Authorization', basic('hawk', 'newpwd-2020'));
    expect(res.body).toEqual({ data: 'Hello, hawk!' });
    const bad = await t
      .http()
      .get('/api/resource')
      .set('Authorization', basic('hawk', 'nope-nope'));
    expect(bad.status).toBe(401);
    expect(bad.text).toBe('Unauthorized Access');
    const malformed = await t
      .http()
      .post('/api/users')
      .set('Content-Type', 'application/json')
      .send('{"username":');
    expect(malformed.status).toBe(400);
    console.log(malformed.body, created.headers.location);
    const login = await t
      .http()
      .post('/auth/login')
      .set('Authorization', basic('hawk', 'newpwd-2020'));
    console.log(login.status, login.body);
  });
});
