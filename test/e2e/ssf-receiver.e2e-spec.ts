import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../system/support/processes.js';
import { resolve } from 'node:path';
import { basic, startListeningTestApp, type TestApp } from '../support/app.js';
import { accessTokenFor } from '../support/credentials.js';
import { decodeJwt, registerUser, uniqueName } from '../support/fixtures.js';
import { newReceiver, type Receiver } from '../support/ssf.js';

/**
 * The receiver the repository ships (examples/ssf-receiver), run as a service runs it, in a
 * process of its own against a Gatehouse listening on a port: it checks access JWTs locally and,
 * pushed to or polling, refuses a token soon after Gatehouse revoked it.
 */

const ADMIN = { username: 'the-admin', password: 'admin-password-1' };
const PASSWORD = 'receiver-user-password-1';
const SERVER = resolve('examples/ssf-receiver/server.mjs');
/** How long a revocation may take to reach the receiver here, far above what it takes. */
const REFUSED_WITHIN_MS = 10_000;
/** How often the receiver is asked again while a revocation is on its way. */
const PROBE_EVERY_MS = 10;

interface RunningReceiver {
  url: string;
  stop(): Promise<void>;
}

let t: TestApp;
let baseUrl: string;
let adminJwt: string;

beforeAll(async () => {
  ({ t, baseUrl } = await startListeningTestApp({
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
  }));
  adminJwt = await accessTokenFor(t, ADMIN);
});
afterAll(() => t.close());

describe.each(['push', 'poll'] as const)('examples/ssf-receiver by %s', (delivery) => {
  let client: Receiver;
  let receiver: RunningReceiver;

  beforeAll(async () => {
    client = await newReceiver(t, adminJwt);
    receiver = await startReceiver(client, delivery);
  });
  afterAll(() => receiver?.stop());

  const newUser = () => registerUser(t, uniqueName('receiver-user'), PASSWORD);

  it('lets a user’s access JWT through, checked locally, and refuses no token, a forged one and a client’s own', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    expect(await protectedBy(receiver, jwt)).toEqual({
      status: 200,
      body: { sub: String(user.id) },
    });
    expect((await protectedBy(receiver, null)).status).toBe(401);
    const [header, payload] = jwt.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    expect((await protectedBy(receiver, forged)).status).toBe(401);

    const issued = await t
      .http()
      .post('/oauth2/token')
      .set('Authorization', client.auth)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('grant_type=client_credentials');
    expect(issued.status).toBe(200);
    const clientToken = (issued.body as { access_token: string }).access_token;
    expect(decodeJwt(clientToken).header.typ).toBe('at+jwt');
    expect((await protectedBy(receiver, clientToken)).status).toBe(401);
  });

  it('refuses an access JWT revoked by another service (RFC 7009), the user’s other tokens still passing', async () => {
    const user = await newUser();
    const revoked = await accessTokenFor(t, user);
    const kept = await accessTokenFor(t, user);
    expect((await protectedBy(receiver, revoked)).status).toBe(200);

    const other = await newReceiver(t, adminJwt);
    const res = await t
      .http()
      .post('/oauth2/revoke')
      .set('Authorization', basic(other.clientId, other.clientSecret))
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(new URLSearchParams({ token: revoked }).toString());
    expect(res.status).toBe(200);

    await refusedInTime(receiver, revoked);
    expect((await protectedBy(receiver, kept)).status).toBe(200);
  });

  it('refuses every earlier access JWT of a user whose password changed, and takes the new one', async () => {
    const user = await newUser();
    const before = await accessTokenFor(t, user);
    expect((await protectedBy(receiver, before)).status).toBe(200);

    const newPassword = 'receiver-user-password-2';
    const res = await t
      .http()
      .post('/api/me/password')
      .set('Authorization', `Bearer ${before}`)
      .send({ oldPassword: PASSWORD, newPassword });
    expect(res.status).toBe(204);

    await refusedInTime(receiver, before);
    const after = await accessTokenFor(t, { username: user.username, password: newPassword });
    expect((await protectedBy(receiver, after)).status).toBe(200);
  });

  it('refuses a disabled user’s access JWTs, and lets them through again once enabled', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    expect((await protectedBy(receiver, jwt)).status).toBe(200);

    await setEnabled(user.id, false);
    await refusedInTime(receiver, jwt);

    await setEnabled(user.id, true);
    const again = await accessTokenFor(t, user);
    await passedInTime(receiver, again);
  });
});

/**
 * Starts examples/ssf-receiver/server.mjs for `client` on a port of its own, as its README does,
 * and waits until it has subscribed its stream and listens.
 */
async function startReceiver(
  client: Receiver,
  delivery: 'push' | 'poll',
): Promise<RunningReceiver> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      GATEHOUSE_URL: baseUrl,
      CLIENT_ID: client.clientId,
      CLIENT_SECRET: client.clientSecret,
      DELIVERY: delivery,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await listening(child);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves on the line the receiver prints once listening; rejects with its stderr if it ends. */
function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ssf-receiver on')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the receiver ended (${code}): ${stderr}`)));
  });
}

async function protectedBy(
  receiver: RunningReceiver,
  token: string | null,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${receiver.url}/protected`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: await res.json() };
}

/** Asks the receiver again every few milliseconds until it answers `status`, within the bound. */
async function answersInTime(
  receiver: RunningReceiver,
  token: string,
  status: number,
): Promise<void> {
  const deadline = Date.now() + REFUSED_WITHIN_MS;
  let last = await protectedBy(receiver, token);
  while (last.status !== status && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
    last = await protectedBy(receiver, token);
  }
  expect(last.status).toBe(status);
}

const refusedInTime = (receiver: RunningReceiver, token: string) =>
  answersInTime(receiver, token, 401);
const passedInTime = (receiver: RunningReceiver, token: string) =>
  answersInTime(receiver, token, 200);

async function setEnabled(userId: number, enabled: boolean): Promise<void> {
  const res = await t
    .http()
    .patch(`/api/admin/users/${userId}`)
    .set('Authorization', `Bearer ${adminJwt}`)
    .send({ enabled });
  expect(res.status).toBe(200);
}
