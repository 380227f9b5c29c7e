/**
 * Shared signals, measured through the receiver the repository ships
 * (examples/ssf-receiver/server.mjs, run as a service runs it): its local checks beside the bare
 * verifier; on PostgreSQL, with a second instance, how long after a revocation's answer the
 * receiver refuses the token, by push and by poll, during a login storm; and how many events a
 * second one stream delivers to it, once a backlog is let go.
 */
import { resolve } from 'node:path';
import { drive, type BenchRequest, type Figure, type LoadOptions } from './load.js';
import { firstLine, freePort, startNode, type RunningProcess } from './processes.js';
import type { Row } from './report.js';
import type { TokenMinter } from './scenarios.js';

export type Delivery = 'push' | 'poll';
export const DELIVERIES: readonly Delivery[] = ['push', 'poll'];

export const RECEIVER_CHECK = 'receiver, local checks (examples/ssf-receiver GET /protected)';
export const refusalFigure = (delivery: Delivery, storm: string): string =>
  `revocation on instance 2 to refusal by the receiver of instance 1, by ${delivery}, during ${storm} storm`;
export const streamRateFigure = (delivery: Delivery): string =>
  `events one stream delivers per second, by ${delivery}`;

const SERVER = resolve('examples/ssf-receiver/server.mjs');
/** How often the receiver is asked whether it still takes a revoked token. */
const PROBE_EVERY_MS = 10;
/** A revocation not refused within this long counts as an error (and ends its wait). */
const GIVE_UP_MS = 15_000;
/** Revocations on their way at once while the latencies are measured. */
const REVOCATIONS_IN_FLIGHT = 4;
/**
 * The slowest drain of the stream-rate figure's backlog still waited for to the end, in events a
 * second: slower, the events not refused by then count as errors.
 */
const SLOWEST_DRAIN_PER_SECOND = 10;
/** Revocations in flight while the backlog of the stream-rate figure is made. */
const BACKLOG_IN_FLIGHT = 8;

export interface ServiceClient {
  clientId: string;
  secret: string;
}

export interface RunningReceiver extends RunningProcess {
  url: string;
}

/**
 * Starts the example receiver for `client` against the Gatehouse at `gatehouseUrl`, as its README
 * runs it; it prints one line once it has subscribed its stream and listens.
 */
export async function startReceiver(
  gatehouseUrl: string,
  client: ServiceClient,
  delivery: Delivery,
): Promise<RunningReceiver> {
  const port = await freePort();
  const receiver = startNode(
    SERVER,
    {
      ...process.env,
      GATEHOUSE_URL: gatehouseUrl,
      CLIENT_ID: client.clientId,
      CLIENT_SECRET: client.secret,
      DELIVERY: delivery,
      PORT: String(port),
    },
    'pipe',
  );
  await firstLine(receiver.child);
  return { ...receiver, url: `http://127.0.0.1:${port}` };
}

/** The receiver's local check of each JWT, as a service's client calls it. */
export function receiverChecks(jwts: string[]): BenchRequest[] {
  return jwts.map((jwt) => ({
    method: 'GET',
    path: '/protected',
    headers: { authorization: `Bearer ${jwt}` },
  }));
}

/** What the receiver answers a live token: its subject. */
export const RECEIVER_PASSES = '{"sub":"';

/** Removes the client's stream, so that no event is recorded for it after its figure. */
export async function deleteStream(gatehouseUrl: string, client: ServiceClient): Promise<void> {
  const streamId = await streamIdOf(gatehouseUrl, client);
  const reply = await ssfRequest(
    'DELETE',
    `${gatehouseUrl}/ssf/streams?stream_id=${encodeURIComponent(streamId)}`,
    client,
  );
  if (reply.status !== 204) throw new Error(`DELETE /ssf/streams answered ${reply.status}`);
}

export interface SsfOptions {
  /** The instance the receiver subscribes to (and polls), where revocations are made too. */
  gatehouseUrl: string;
  client: ServiceClient;
  minter: TokenMinter;
  /** The users whose freshly minted access JWTs are revoked. */
  ids: number[];
  /**
   * On PostgreSQL: a second instance, where the revocations are made instead, and the login storm
   * that runs on the first during the refusal figures, which are measured only then.
   */
  twoInstances?: {
    startWriter: () => Promise<{ baseUrl: string; server: { stop(): Promise<void> } }>;
    storm: { name: string; requests: BenchRequest[]; load: LoadOptions };
  };
  /** How many revocations the stream-rate figure lets go at once. */
  backlog: number;
  selected: (figure: string) => boolean;
  log: (message: string) => void;
  onStart: (receiver: RunningReceiver) => void;
}

/** Where the measures below make their revocations. */
interface Measured extends SsfOptions {
  revokeUrl: string;
}

/**
 * For each delivery, one receiver: the refusal figure (with two instances) and the stream-rate
 * figure, as selected. Its stream is deleted afterwards.
 */
export async function measureSsf(options: SsfOptions): Promise<Row[]> {
  const storm = options.twoInstances?.storm;
  const figures = DELIVERIES.map((delivery) => ({
    delivery,
    refusal:
      storm && options.selected(refusalFigure(delivery, storm.name))
        ? refusalFigure(delivery, storm.name)
        : null,
    rate: options.selected(streamRateFigure(delivery)) ? streamRateFigure(delivery) : null,
  })).filter(({ refusal, rate }) => refusal || rate);
  if (figures.length === 0) return [];
  const writer = options.twoInstances ? await options.twoInstances.startWriter() : null;
  const measured: Measured = { ...options, revokeUrl: writer?.baseUrl ?? options.gatehouseUrl };
  const rows: Row[] = [];
  try {
    for (const { delivery, refusal, rate } of figures) {
      const receiver = await startReceiver(options.gatehouseUrl, options.client, delivery);
      options.onStart(receiver);
      try {
        if (refusal) {
          options.log(refusal);
          const figure = await measureRefusals(measured, receiver, storm!);
          rows.push({ name: refusal, kind: `ssf-refusal-${delivery}`, figure });
        }
        if (rate) {
          options.log(rate);
          const figure = await measureStreamRate(measured, receiver);
          rows.push({ name: rate, kind: 'ssf-stream-rate', figure });
        }
      } finally {
        await receiver.stop();
      }
    }
    await deleteStream(options.gatehouseUrl, options.client);
  } finally {
    await writer?.server.stop();
  }
  return rows;
}

/**
 * While the storm's logins run on the receiver's instance, revocations on the other, a few in
 * flight: each of a JWT the receiver took a moment before, timed from the revocation's answer to
 * the first answer of the receiver that refuses it (asked every PROBE_EVERY_MS).
 */
async function measureRefusals(
  options: Measured,
  receiver: RunningReceiver,
  storm: NonNullable<SsfOptions['twoInstances']>['storm'],
): Promise<Figure> {
  const { load } = storm;
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const revoker = async (until: number) => {
    while (Date.now() < until) {
      const id = options.ids[next++ % options.ids.length];
      const outcome = await revokeAndWait(options, receiver, options.minter.accessToken(id));
      if (outcome === null) errors++;
      else latencies.push(outcome);
    }
  };
  const [, started] = await Promise.all([
    drive(options.gatehouseUrl, storm.requests, load, load.warmupSeconds + load.seconds),
    (async () => {
      await new Promise((resolve) => setTimeout(resolve, load.warmupSeconds * 1000));
      const from = Date.now();
      const until = from + load.seconds * 1000;
      await Promise.all(Array.from({ length: REVOCATIONS_IN_FLIGHT }, () => revoker(until)));
      return from;
    })(),
  ]);
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  options.log(
    `${latencies.length} revocations refused, ${errors} not; slowest ${latencies.at(-1)?.toFixed(0)} ms`,
  );
  return {
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuMicrosPerRequest: null,
    requests: latencies.length,
    errors,
  };
}

/**
 * One revocation: the receiver takes the JWT, Gatehouse revokes it (RFC 7009), and the
 * milliseconds from that answer until the receiver refuses it; null when any step fails.
 */
async function revokeAndWait(
  options: Measured,
  receiver: RunningReceiver,
  jwt: string,
): Promise<number | null> {
  if ((await protectedStatus(receiver, jwt)) !== 200) return null;
  if (!(await revoke(options, jwt))) return null;
  const answered = performance.now();
  const refusedAt = await refusal(receiver, jwt, answered + GIVE_UP_MS);
  return refusedAt === null ? null : refusedAt - answered;
}

/**
 * With the stream paused, `backlog` access JWTs (which the receiver took) are revoked; the
 * stream is enabled, and the figure is how many events a second reached the receiver from then
 * until it refuses every one of them.
 */
async function measureStreamRate(options: Measured, receiver: RunningReceiver): Promise<Figure> {
  const jwts = Array.from({ length: options.backlog }, (_, i) =>
    options.minter.accessToken(options.ids[i % options.ids.length]),
  );
  let errors = 0;
  for (const jwt of jwts.slice(0, 3)) if ((await protectedStatus(receiver, jwt)) !== 200) errors++;
  const streamId = await streamIdOf(options.gatehouseUrl, options.client);
  await setStatus(options, streamId, 'paused');
  let next = 0;
  await Promise.all(
    Array.from({ length: BACKLOG_IN_FLIGHT }, async () => {
      while (next < jwts.length) if (!(await revoke(options, jwts[next++]))) errors++;
    }),
  );
  await setStatus(options, streamId, 'enabled');
  const enabled = performance.now();
  const deadline = enabled + GIVE_UP_MS + (jwts.length / SLOWEST_DRAIN_PER_SECOND) * 1000;
  // Events reach the receiver in order: once the last is refused, every other should be already;
  // one that is not yet is waited for, and the figure runs until it is.
  let done = await refusal(receiver, jwts.at(-1)!, deadline);
  for (const jwt of jwts) {
    if ((await protectedStatus(receiver, jwt)) === 401) continue;
    const refusedAt = await refusal(receiver, jwt, deadline);
    if (refusedAt === null) errors++;
    else if (done !== null && refusedAt > done) done = refusedAt;
  }
  const seconds = ((done ?? performance.now()) - enabled) / 1000;
  options.log(`${jwts.length} events delivered in ${seconds.toFixed(2)} s, ${errors} errors`);
  return {
    requestsPerSecond: jwts.length / seconds,
    p50Ms: 0,
    p99Ms: 0,
    cpuMicrosPerRequest: null,
    requests: jwts.length,
    errors,
  };
}

/** When (performance.now()) the receiver first refused `jwt`, asked until `deadline`; else null. */
async function refusal(
  receiver: RunningReceiver,
  jwt: string,
  deadline: number,
): Promise<number | null> {
  for (;;) {
    const status = await protectedStatus(receiver, jwt);
    const now = performance.now();
    if (status === 401) return now;
    if (now >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
  }
}

async function protectedStatus(receiver: RunningReceiver, jwt: string): Promise<number> {
  const reply = await fetch(`${receiver.url}/protected`, {
    headers: { authorization: `Bearer ${jwt}` },
  });
  await reply.arrayBuffer();
  return reply.status;
}

async function revoke(options: Measured, jwt: string): Promise<boolean> {
  const reply = await fetch(`${options.revokeUrl}/oauth2/revoke`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicOf(options.client),
    },
    body: new URLSearchParams({ token: jwt }).toString(),
  }).catch(() => null);
  await reply?.arrayBuffer();
  return reply?.status === 200;
}

async function setStatus(options: Measured, streamId: string, status: string): Promise<void> {
  const reply = await ssfRequest('POST', `${options.gatehouseUrl}/ssf/status`, options.client, {
    stream_id: streamId,
    status,
  });
  if (!reply.ok) throw new Error(`POST /ssf/status ${status} answered ${reply.status}`);
}

async function streamIdOf(gatehouseUrl: string, client: ServiceClient): Promise<string> {
  const reply = await ssfRequest('GET', `${gatehouseUrl}/ssf/streams`, client);
  const [stream] = (await reply.json()) as Array<{ stream_id: string }>;
  if (!stream) throw new Error(`${client.clientId} has no stream`);
  return stream.stream_id;
}

function ssfRequest(
  method: string,
  url: string,
  client: ServiceClient,
  body?: object,
): Promise<Response> {
  return fetch(url, {
    method,
    headers: {
      authorization: basicOf(client),
      ...(body && { 'content-type': 'application/json' }),
    },
    body: body && JSON.stringify(body),
  });
}

function basicOf({ clientId, secret }: ServiceClient): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

/** The value below which `share` of the sorted values fall (nearest rank). */
function percentile(sorted: number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}
