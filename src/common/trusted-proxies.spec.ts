import { trustedProxies } from './trusted-proxies.js';

describe('trustedProxies', () => {
  it('trusts nobody without a list', () => {
    expect(trustedProxies(false)('127.0.0.1')).toBe(false);
    expect(trustedProxies(false)(undefined)).toBe(false);
  });

  it('reads addresses, CIDR ranges, IPv4 netmasks and range names as TRUST_PROXY takes them', () => {
    const trusted = trustedProxies([
      '10.0.0.1',
      '172.16.0.0/12',
      '192.168.1.0/255.255.255.0',
      'loopback',
    ]);
    expect(['10.0.0.1', '172.20.1.1', '192.168.1.77', '127.0.0.1', '::1'].map(trusted)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.2', '172.32.0.1', '192.168.2.1', 'fe80::1', undefined].map(trusted)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('matches an IPv4 address however a dual-stack socket names it', () => {
    expect(trustedProxies(['127.0.0.1'])('::ffff:127.0.0.1')).toBe(true);
    expect(trustedProxies(['::ffff:10.0.0.1'])('10.0.0.1')).toBe(true);
    expect(trustedProxies(['uniquelocal'])('::ffff:10.9.9.9')).toBe(true);
  });
});
