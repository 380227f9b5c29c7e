import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import autocannon from 'autocannon';

export interface BenchRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A body made as the request is sent, for what holds at that moment (a TOTP code). */
  renderBody?: () => string;
}

export interface LoadOptions {
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Requests per second across all connections; unset means as fast as the server answers. */
  overallRate?: number;
  /** Every response must have exactly this body (autocannon counts others as errors). */
  expectBody?: string;
  /** Every response's body must begin so (for answers that differ by token, such as introspection's). */
  expectBodyStart?: string;
  /** The status every response must have; unset, any 2xx (a sign-in's answer is a 303). */
  expectStatus?: number;
  /** A header every response must carry (forward auth's X-Auth-User, a sign-in's cookie). */
  expectHeader?: ExpectedHeader;
}

export interface ExpectedHeader {
  /** Lower case. */
  name: string;
  /** What its value must match (one of its values, when it comes more than once: Set-Cookie). */
  pattern: RegExp;
}

/** Whether `value`, a header as a response carried it (absent, once, or more than once), is `expected`. */
export function headerMatches(
  expected: ExpectedHeader,
  value: string | string[] | null | undefined,
): boolean {
  const values = value === null || value === undefined ? [] : ([] as string[]).concat(value);
  return values.some((one) => expected.pattern.test(one));
}

export interface Figure {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number | null;
  requests: number;
  errors: number;
  /** Each round's req/s, when the figure is the median of several samples. */
  samplesPerSecond?: number[];
  /**
   * What the errors were: connection errors, timeouts, answers of another status than expected
   * (`non2xx` when any 2xx is, as autocannon counts them), answers of the expected status with a
   * wrong body or without the expected header.
   */
  errorKinds?: {
    errors: number;
    timeouts: number;
    non2xx?: number;
    wrongStatuses?: number;
    wrongBodies: number;
    wrongHeaders?: number;
  };
}

const CLOCK_TICK_MICROS = 10_000;

/** User plus system CPU time of a process so far, in microseconds, from /proc. */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MICROS;
}

export interface ProcessMemory {
  rssMb: number;
  peakRssMb: number;
  /** What the resident memory is made of: heap and other private memory, mapped files, shared. */
  anonMb: number;
  fileMb: number;
  shmemMb: number;
}

/** Resident and peak resident memory of a process, in MB, from /proc. */
export function processMemoryMb(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return {
    rssMb: mb('VmRSS'),
    peakRssMb: mb('VmHWM'),
    anonMb: mb('RssAnon'),
    fileMb: mb('RssFile'),
    shmemMb: mb('RssShmem'),
  };
}

/**
 * Drives `baseUrl` with keep-alive connections, each request taken in turn from `requests`; a
 * warm-up first, then the measured run, with the server's CPU time read around it.
 */
export async function measure(
  baseUrl: string,
  requests: BenchRequest[],
  options: LoadOptions,
  serverPid: number,
): Promise<Figure> {
  await drive(baseUrl, requests, options, options.warmupSeconds);
  const cpuBefore = processCpuMicros(serverPid);
  const run = await drive(baseUrl, requests, options, options.seconds);
  const cpu = processCpuMicros(serverPid) - cpuBefore;
  return toFigure(run, cpu);
}

export interface LoadRun {
  result: autocannon.Result;
  /** Answers of another status than `expectStatus`; null when any 2xx was expected. */
  wrongStatuses: number | null;
  /** Answers of the expected status whose body was not `expectBody`, or did not begin with `expectBodyStart`. */
  wrongBodies: number;
  /** Answers of the expected status without `expectHeader`. */
  wrongHeaders: number;
}

export function toFigure(
  { result, wrongStatuses, wrongBodies, wrongHeaders }: LoadRun,
  cpuMicros: number | null,
): Figure {
  const answered = result.requests.total;
  const statuses = wrongStatuses === null ? { non2xx: result.non2xx } : { wrongStatuses };
  return {
    requestsPerSecond: answered / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: cpuMicros === null || answered === 0 ? null : cpuMicros / answered,
    requests: answered,
    errors:
      result.errors +
      result.timeouts +
      (wrongStatuses ?? result.non2xx) +
      wrongBodies +
      wrongHeaders,
    errorKinds: {
      errors: result.errors,
      timeouts: result.timeouts,
      ...statuses,
      wrongBodies,
      ...(wrongHeaders > 0 && { wrongHeaders }),
    },
  };
}

export async function drive(
  baseUrl: string,
  requests: BenchRequest[],
  options: LoadOptions,
  seconds: number,
): Promise<LoadRun> {
  let next = 0;
  let wrongStatuses = 0;
  let wrongBodies = 0;
  let wrongHeaders = 0;
  const { expectBody, expectBodyStart, expectStatus, expectHeader } = options;
  const wrong = (body: string) =>
    (expectBody !== undefined && body !== expectBody) ||
    (expectBodyStart !== undefined && !body.startsWith(expectBodyStart));
  const expected = (status: number) =>
    expectStatus === undefined ? status >= 200 && status < 300 : status === expectStatus;
  const result = await autocannon({
    url: baseUrl,
    connections: options.connections,
    duration: seconds,
    overallRate: options.overallRate,
    requests: [
      {
        setupRequest: (request) => {
          const chosen = requests[next++ % requests.length];
          return {
            ...request,
            method: chosen.method,
            path: chosen.path,
            headers: { ...chosen.headers },
            body: chosen.renderBody?.() ?? chosen.body,
          };
        },
        onResponse: (status, body, _context, headers) => {
          if (!expected(status)) {
            wrongStatuses++;
            return;
          }
          if (wrong(body)) wrongBodies++;
          if (expectHeader && !headerMatches(expectHeader, headerOf(headers, expectHeader.name))) {
            wrongHeaders++;
          }
        },
      },
    ],
  });
  return {
    result,
    wrongStatuses: expectStatus === undefined ? null : wrongStatuses,
    wrongBodies,
    wrongHeaders,
  };
}

/** A response header by its lower-case name, as autocannon passes them (in the server's case). */
function headerOf(
  headers: IncomingHttpHeaders | undefined,
  name: string,
): string | string[] | undefined {
  const key = Object.keys(headers ?? {}).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers![key];
}
