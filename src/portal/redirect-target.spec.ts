import { type RedirectPolicy, redirectTarget } from './redirect-target.js';

const HTTPS: RedirectPolicy = {
  publicUrl: 'https://auth.example.com',
  cookieDomain: 'example.com',
  extraHosts: ['partner.test'],
};
const HTTP: RedirectPolicy = {
  publicUrl: 'http://localhost:3000',
  cookieDomain: null,
  extraHosts: [],
};

describe('redirectTarget', () => {
  it.each([
    ['https://auth.example.com/account', 'https://auth.example.com/account'],
    ['https://app.example.com/', 'https://app.example.com/'],
    ['https://example.com', 'https://example.com/'],
    ['https://deep.app.example.com:8443/a?b=c#d', 'https://deep.app.example.com:8443/a?b=c#d'],
    ['https://APP.Example.COM/x', 'https://app.example.com/x'],
    ['https://partner.test/back', 'https://partner.test/back'],
    ['HTTPS://app.example.com/', 'https://app.example.com/'],
  ])('follows %s', (rd, expected) => {
    expect(redirectTarget(rd, HTTPS)).toBe(expected);
  });

  it.each([
    // Other hosts, and hosts that only look like ours.
    'https://evil.test/',
    'https://evilexample.com/',
    'https://example.com.evil.test/',
    'https://app.example.com.',
    'https://partner.test.evil.test/',
    'https://xn--xample-9cf.com/',
    'https://еxample.com/',
    // Not absolute http(s).
    '/account',
    'account',
    '//evil.test/',
    '///evil.test/',
    '/\\evil.test/',
    '\\\\evil.test',
    'https:evil.test',
    'https:/evil.test',
    'https:\\\\evil.test',
    'https:/\\evil.test',
    'javascript:alert(1)',
    'JavaScript://app.example.com/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'ftp://app.example.com/',
    'ws://app.example.com/',
    // http while PUBLIC_URL is https.
    'http://app.example.com/',
    // User info, plain and disguised.
    'https://user@app.example.com/',
    'https://user:pass@app.example.com/',
    'https://app.example.com@evil.test/',
    'https://app.example.com:443@evil.test/',
    'https://app.example.com%40evil.test/',
    'https://app.example.com%2F@evil.test/',
    // Encoded and backslashed tricks.
    'https://evil%2etest/',
    'https://app.example.com%2eevil.test/',
    'https://evil.test\\@app.example.com/',
    'https://evil.test\\.app.example.com/',
    'https://app.example.com/\\evil.test',
    'https://app.example.com\\evil.test',
    // Whitespace and control characters.
    ' https://app.example.com/',
    'https://app.example.com/ ',
    'https://app.example.com/\nSet-Cookie:x=1',
    'https://app.example.com/\r\nLocation:https://evil.test',
    'https://app.example.com/\tx',
    'https://app.example.com/\u0000',
    'https://app.example.com/\u2028',
    'ht\ttps://app.example.com/',
    'https://evil.test\u3002app.example.com/',
    // Not text, or too long.
    '',
    `https://app.example.com/${'a'.repeat(2048)}`,
  ])('refuses %j', (rd) => {
    expect(redirectTarget(rd, HTTPS)).toBeNull();
  });

  it.each([
    undefined,
    null,
    42,
    ['https://app.example.com/'],
    { href: 'https://app.example.com/' },
  ])('refuses a value that is not text: %j', (rd) => {
    expect(redirectTarget(rd, HTTPS)).toBeNull();
  });

  it('takes http and any port of its own host while PUBLIC_URL is http', () => {
    expect(redirectTarget('http://localhost:8080/app', HTTP)).toBe('http://localhost:8080/app');
    expect(redirectTarget('https://localhost/app', HTTP)).toBe('https://localhost/app');
    expect(redirectTarget('http://127.0.0.1/app', HTTP)).toBeNull();
  });

  it('takes no host within a domain while COOKIE_DOMAIN is unset', () => {
    expect(redirectTarget('http://sub.localhost/', HTTP)).toBeNull();
  });
});
