/** Where the portal may send a browser back to: the hosts it serves and trusts. */
export interface RedirectPolicy {
  /** PUBLIC_URL: its host is always allowed, and its scheme says whether http is. */
  publicUrl: string;
  /** COOKIE_DOMAIN: every host within it is allowed. */
  cookieDomain: string | null;
  /** SIGNIN_REDIRECT_HOSTS. */
  extraHosts: readonly string[];
}

/** Longer than any address a browser is sent back to; anything longer is not read. */
const MAX_LENGTH = 2_048;

/**
 * An absolute http(s) URL whose authority is plain ASCII (a host name or address and a port: no
 * user info, percent-encoding, backslash or Unicode that a parser would fold into a dot), with no
 * backslash after it and no whitespace or control character anywhere: browsers and URL parsers
 * disagree on such input (`https:/\evil`, `https://good%2eexample@evil`), so none is read.
 */
const PLAIN_ABSOLUTE = /^https?:\/\/[A-Za-z0-9.:[\]-]+(?:[/?#][^\\]*)?$/i;
const FORBIDDEN_CHARACTER = /[\s\p{Cc}\p{Cf}]/u;

/**
 * The address `rd` names, as the portal may redirect to it, or null when the portal must not
 * follow it (the caller then goes to its own page): an absolute http(s) URL without user info
 * whose host is PUBLIC_URL's, within COOKIE_DOMAIN, or in SIGNIN_REDIRECT_HOSTS, with any port;
 * an http one only while PUBLIC_URL is http itself, so that a sign-in over https never sends its
 * browser to plain http. Relative, scheme-relative (`//evil`), other schemes (`javascript:`) and
 * every ambiguous spelling are refused, so the portal is no open redirect.
 */
export function redirectTarget(rd: unknown, policy: RedirectPolicy): string | null {
  if (typeof rd !== 'string' || rd.length > MAX_LENGTH) return null;
  if (FORBIDDEN_CHARACTER.test(rd) || !PLAIN_ABSOLUTE.test(rd)) return null;
  let url: URL;
  try {
    url = new URL(rd);
  } catch {
    return null;
  }
  const publicUrl = new URL(policy.publicUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.protocol === 'http:' && publicUrl.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return isAllowedHost(url.hostname, publicUrl.hostname, policy) ? url.href : null;
}

function isAllowedHost(host: string, publicHost: string, policy: RedirectPolicy): boolean {
  const { cookieDomain, extraHosts } = policy;
  return (
    host === publicHost ||
    extraHosts.includes(host) ||
    (cookieDomain !== null && (host === cookieDomain || host.endsWith(`.${cookieDomain}`)))
  );
}
