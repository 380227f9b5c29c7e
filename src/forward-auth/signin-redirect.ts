import type { FastifyRequest } from 'fastify';

/** A host as a URL may name it: a name or IPv4 address, or a bracketed IPv6 one, and a port. */
const HOST = /^([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$/;

/** A header the proxy sent once; a repeated or missing one is none. */
function single(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * Whether the request the proxy asks about is a browser's page load: GET or HEAD (the method the
 * proxy names in X-Forwarded-Method, else the request's own), accepting text/html. Anything else
 * (a form's POST, an API call asking for JSON) keeps the 401 a program understands.
 */
export function isBrowserPageLoad(request: FastifyRequest): boolean {
  const method = single(request, 'x-forwarded-method') ?? request.method;
  if (method !== 'GET' && method !== 'HEAD') return false;
  return (single(request, 'accept') ?? '').split(',').some((range) => {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const refused = parameters.some((parameter) => /^q=0(\.0{0,3})?$/.test(parameter));
    return type === 'text/html' && !refused;
  });
}

/**
 * The URL the browser asked for, as the proxy names it: X-Original-URL whole, else
 * X-Forwarded-Proto, -Host and -Uri; null when they do not make an absolute http(s) URL.
 * Read only from a trusted proxy: anyone else could name any URL.
 */
export function originalUrl(request: FastifyRequest): string | null {
  const whole = single(request, 'x-original-url');
  if (whole !== null) return absoluteHttpUrl(whole);
  const proto = single(request, 'x-forwarded-proto');
  const host = single(request, 'x-forwarded-host');
  const uri = single(request, 'x-forwarded-uri');
  if ((proto !== 'http' && proto !== 'https') || host === null || !HOST.test(host)) return null;
  if (uri === null || !uri.startsWith('/')) return null;
  return absoluteHttpUrl(`${proto}://${host}${uri}`);
}

function absoluteHttpUrl(text: string): string | null {
  if (!URL.canParse(text)) return null;
  const url = new URL(text);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password)
    return null;
  return url.href;
}

/** The sign-in portal's page with `original` as where to return: `{PUBLIC_URL}/signin?rd=…`. */
export function signinLocation(publicUrl: string, original: string): string {
  return `${publicUrl}/signin?rd=${encodeURIComponent(original)}`;
}
