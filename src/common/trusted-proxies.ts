import { BlockList, isIP } from 'node:net';

/** The names TRUST_PROXY takes for whole ranges, as proxy-addr (Fastify's trustProxy) reads them. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** The prefix length of an IPv4 netmask written as an address (255.255.255.0 is 24). */
function prefixOfNetmask(mask: string): number {
  return mask
    .split('.')
    .map((octet) => Number(octet).toString(2).replace(/0/g, '').length)
    .reduce((bits, ones) => bits + ones, 0);
}

/**
 * Whether an address is one of TRUST_PROXY's (already validated by the configuration): the same
 * list Fastify trusts for X-Forwarded-For, as addresses, CIDR ranges, IPv4 netmasks and range
 * names. An IPv4 address also matches as IPv4-mapped IPv6, and the other way round, as a
 * dual-stack socket names it. None trusted when the list is `false`.
 */
export function trustedProxies(
  entries: string[] | false,
): (address: string | undefined) => boolean {
  if (!entries) return () => false;
  const list = new BlockList();
  for (const entry of entries.flatMap((name) => NAMED_RANGES[name] ?? [name])) {
    const [address, range] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (range === undefined) list.addAddress(address, type);
    else list.addSubnet(address, isIP(range) ? prefixOfNetmask(range) : Number(range), type);
  }
  return (address) => {
    const version = address ? isIP(address) : 0;
    return version !== 0 && list.check(address!, version === 6 ? 'ipv6' : 'ipv4');
  };
}
