import { processCpuMicros, type Figure } from './load.js';
import type { BenchPopulation } from './seed.js';
import { SoftwareAuthenticator } from '../test/support/webauthn-authenticator.js';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';

export const PASSKEY_SIGN_IN = 'login, passkey (options + POST /webauthn/authentication)';

/** How many users get a passkey: one per connection, so that each counter moves in one order. */
export const PASSKEY_USERS = 8;

const JSON_HEADERS = { 'content-type': 'application/json' };

/** The users' passkeys, held by one software authenticator as a browser's platform one holds them. */
export interface EnrolledPasskeys {
  authenticator: SoftwareAuthenticator;
  /** Each user's credential id, in the order of `ids`. */
  credentialIds: string[];
}

/**
 * Passkeys for the users `ids`, added through the self-service API as a client adds one: a login
 * for a token, the creation options for the current password, the authenticator's answer. The
 * origin is the one the server's relying party expects (PUBLIC_URL's, `http://localhost:<port>`
 * by default, though the requests go to 127.0.0.1: the origin travels in the client data).
 */
export async function enrolPasskeys(
  baseUrl: string,
  origin: string,
  population: BenchPopulation,
  ids: number[],
): Promise<EnrolledPasskeys> {
  const authenticator = new SoftwareAuthenticator({ origin });
  const credentialIds: string[] = [];
  for (const id of ids) {
    const token = await accessToken(baseUrl, population, id);
    const auth = { ...JSON_HEADERS, authorization: `Bearer ${token}` };
    const options = (await post(baseUrl, '/api/me/passkeys/options', auth, {
      password: population.password,
    })) as PublicKeyCredentialCreationOptionsJSON & { challengeId: string };
    const response = authenticator.create(options);
    await post(baseUrl, '/api/me/passkeys', auth, {
      challengeId: options.challengeId,
      name: 'bench',
      response,
    });
    credentialIds.push(response.id);
  }
  return { authenticator, credentialIds };
}

/**
 * Passkey sign-ins for `seconds`, one connection per enrolled passkey, each a whole ceremony as a
 * client makes it: request options (a challenge kept by the server), the authenticator's
 * assertion (made here, outside the server), the assertion sent for an access token. The server's
 * CPU time is read around the run and counted per sign-in (both requests), beside a password
 * login's one request; the latencies are the whole ceremony's.
 */
export async function measurePasskeySignIns(
  baseUrl: string,
  passkeys: EnrolledPasskeys,
  seconds: number,
  serverPid: number,
): Promise<Figure> {
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = processCpuMicros(serverPid);
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    passkeys.credentialIds.map(async (credentialId) => {
      while (performance.now() < until) {
        const begun = performance.now();
        if (await signIn(baseUrl, passkeys.authenticator, credentialId)) {
          latencies.push(performance.now() - begun);
        } else {
          errors++;
        }
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  const cpu = processCpuMicros(serverPid) - cpuBefore;
  const done = latencies.length;
  latencies.sort((a, b) => a - b);
  const at = (share: number) => latencies[Math.min(done - 1, Math.floor(share * done))] ?? 0;
  return {
    requestsPerSecond: done / elapsedSeconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    cpuMicrosPerRequest: done === 0 ? null : cpu / done,
    requests: done,
    errors,
  };
}

/** One ceremony; whether it ended in an access token. */
async function signIn(
  baseUrl: string,
  authenticator: SoftwareAuthenticator,
  credentialId: string,
): Promise<boolean> {
  const options = (await post(baseUrl, '/webauthn/authentication/options', JSON_HEADERS, {}).catch(
    () => null,
  )) as (PublicKeyCredentialRequestOptionsJSON & { challengeId: string }) | null;
  if (!options) return false;
  const response = authenticator.get(options, { credentialId });
  const answer = await fetch(`${baseUrl}/webauthn/authentication`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ challengeId: options.challengeId, response }),
  });
  const body = (await answer.json()) as { access_token?: string };
  return answer.status === 200 && typeof body.access_token === 'string';
}

async function accessToken(
  baseUrl: string,
  population: BenchPopulation,
  id: number,
): Promise<string> {
  const body = (await post(baseUrl, '/v1/auth', JSON_HEADERS, {
    username: population.username(id),
    password: population.password,
  })) as { access_token: string };
  return body.access_token;
}

async function post(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}`);
  return response.json();
}
