import type { ExpectedHeader } from './load.js';
import type { Scenario } from './scenarios.js';
import type { BenchPopulation } from './seed.js';

export const PORTAL_COOKIE_CHECK = 'forward auth, portal cookie';
export const PORTAL_SIGN_IN = 'login, POST /signin (portal)';

/** How many browsers sign in through the portal for the cookie check: each costs a bcrypt. */
export const PORTAL_SESSIONS = 32;

/** Sign-ins through the portal in flight while its sessions are made. */
const SIGN_INS_IN_FLIGHT = 4;

/**
 * A browser's sign-in form: the cookies GET /signin set (the form-token secret) and the form token
 * its page carries. One form serves every sign-in of the run: the portal accepts a token made for
 * the secret the browser's cookie holds, under its key, and neither expires the token nor records
 * its use, so a browser may send the same form again, as one that signs in again from the page it
 * kept does.
 */
export interface SignInForm {
  /** The Cookie header a browser sends back. */
  cookies: string;
  token: string;
  /** What a browser's form POST sends as Origin: the portal's own. */
  origin: string;
}

/** A browser signed in through the portal: its session cookie's value (the sid, then the secret). */
export interface PortalSession {
  username: string;
  cookie: string;
}

/** The sign-in page as a browser first loads it, and the form it carries. */
export async function signInForm(baseUrl: string): Promise<SignInForm> {
  const response = await fetch(`${baseUrl}/signin`, { headers: { accept: 'text/html' } });
  const token = /name="_csrf" value="([^"]+)"/.exec(await response.text())?.[1];
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  if (response.status !== 200 || !token || cookies.length === 0) {
    throw new Error(`GET /signin answered ${response.status} without a form token and its cookie`);
  }
  return { cookies: cookies.join('; '), token, origin: new URL(baseUrl).origin };
}

/** The portal's Set-Cookie of a new session: the sid, then its 64-hex secret. */
function sessionCookie(cookieName: string): ExpectedHeader {
  const name = cookieName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { name: 'set-cookie', pattern: new RegExp(`^${name}=[1-9][0-9]*[0-9a-f]{64};`) };
}

/**
 * The users `ids` signing in through the portal's form in turns, each answered 303 with the
 * session's cookie, as a browser without a second factor is.
 */
export function portalSignIn(
  population: BenchPopulation,
  ids: number[],
  form: SignInForm,
  cookieName: string,
): Scenario {
  return {
    name: PORTAL_SIGN_IN,
    kind: 'login',
    requests: ids.map((id) => ({
      method: 'POST',
      path: '/signin',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: form.cookies,
        origin: form.origin,
      },
      body: new URLSearchParams({
        _csrf: form.token,
        username: population.username(id),
        password: population.password,
      }).toString(),
    })),
    expectStatus: 303,
    expectHeader: sessionCookie(cookieName),
  };
}

/**
 * Browsers signed in through the portal over HTTP, as the users `ids`, a few at a time: sessions
 * the server made itself, whose cookies the forward-auth check then sends.
 */
export async function signInThroughPortal(
  baseUrl: string,
  population: BenchPopulation,
  ids: number[],
  cookieName: string,
): Promise<PortalSession[]> {
  const form = await signInForm(baseUrl);
  const expected = sessionCookie(cookieName);
  const signIn = async (id: number): Promise<PortalSession> => {
    const [request] = portalSignIn(population, [id], form, cookieName).requests;
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
    });
    const cookie = response.headers.getSetCookie().find((value) => expected.pattern.test(value));
    if (response.status !== 303 || !cookie) {
      throw new Error(`POST /signin answered ${response.status} without a session cookie`);
    }
    const value = cookie.slice(cookieName.length + 1, cookie.indexOf(';'));
    return { username: population.username(id), cookie: value };
  };
  const sessions: PortalSession[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: SIGN_INS_IN_FLIGHT }, async () => {
      while (next < ids.length) {
        const index = next++;
        sessions[index] = await signIn(ids[index]);
      }
    }),
  );
  return sessions;
}

/**
 * Forward auth as nginx's auth_request asks it for a browser behind the proxy: the portal's
 * session cookie alone, answered 200 with one of the signed-in users in X-Auth-User.
 */
export function portalCookieCheck(cookieName: string, sessions: PortalSession[]): Scenario {
  return {
    name: PORTAL_COOKIE_CHECK,
    kind: 'check-lookup',
    requests: sessions.map(({ cookie }) => ({
      method: 'GET',
      path: '/auth/forward',
      headers: { cookie: `${cookieName}=${cookie}` },
    })),
    expectStatus: 200,
    expectHeader: {
      name: 'x-auth-user',
      pattern: new RegExp(`^(${sessions.map(({ username }) => username).join('|')})$`),
    },
  };
}
