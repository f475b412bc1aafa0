import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Which addresses destinations may be sent to. A workspace admin chooses webhook URLs; without this, the
 * server would reach its own loopback services, the private network and the cloud metadata endpoint for them.
 */

/** Why an address is refused: the ranges no destination URL may reach unless the operator allows them. */
const FORBIDDEN_RANGES: { kind: string; cidrs: string[] }[] = [
  { kind: 'a cloud metadata address', cidrs: ['169.254.169.254/32', '169.254.170.2/32', '100.100.100.200/32', 'fd00:ec2::254/128'] },
  { kind: 'a loopback address', cidrs: ['127.0.0.0/8', '::1/128'] },
  { kind: 'an unspecified address (this host)', cidrs: ['0.0.0.0/8', '::/128'] },
  { kind: 'a private address', cidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '198.18.0.0/15'] },
  { kind: 'a link-local address', cidrs: ['169.254.0.0/16', 'fe80::/10'] },
  { kind: 'a unique-local address', cidrs: ['fc00::/7'] },
  { kind: 'a multicast or reserved address', cidrs: ['224.0.0.0/3', 'ff00::/8', '192.0.0.0/24', '64:ff9b:1::/48'] },
];

/** Metadata services answer on these names inside their clouds; refused by name, whatever DNS says here. */
const METADATA_HOST_NAMES = new Set(['metadata.google.internal', 'metadata', 'metadata.azure.internal', 'instance-data', 'instance-data.ec2.internal']);

const LOOPBACK_CIDRS = ['127.0.0.0/8', '::1/128'];
const URL_CHECK_LOOKUP_TIMEOUT_MS = 3000;

/** Thrown (as a connection error) when a destination resolves to a forbidden address. */
export class DestinationAddressRefusedError extends Error {
  readonly code = 'ERR_ITINERA_DESTINATION_REFUSED';

  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DestinationAddressRefusedError';
  }
}

export interface DestinationAddressPolicyOptions {
  /** Laptop mode allows loopback so a first run can send to a local test server. */
  allowLoopback: boolean;
  /** ITINERA_ALLOWED_DESTINATION_HOSTS: host names (`hooks.internal`, `*.corp.example`), IP addresses and CIDRs. */
  allowed: string[];
}

export class DestinationAddressPolicy {
  private readonly forbidden: { kind: string; list: BlockList }[];
  private readonly allowedNetworks = new BlockList();
  private readonly allowedNames: string[] = [];

  constructor(readonly options: DestinationAddressPolicyOptions) {
    this.forbidden = FORBIDDEN_RANGES.map(({ kind, cidrs }) => ({ kind, list: blockListOf(cidrs) }));
    for (const entry of options.allowed) this.allow(entry);
    if (options.allowLoopback) for (const cidr of LOOPBACK_CIDRS) this.allow(cidr);
  }

  /** Refuses every forbidden range; what a production setup starts from. */
  static strict(): DestinationAddressPolicy {
    return new DestinationAddressPolicy({ allowLoopback: false, allowed: [] });
  }

  /** One line for the start-up log. */
  describe(): string {
    const allowed = [...(this.options.allowLoopback ? ['loopback (laptop mode)'] : []), ...this.options.allowed];
    return (
      'destinations may not resolve to loopback, private, link-local, unique-local or metadata addresses' +
      (allowed.length ? `, except: ${allowed.join(', ')}` : ' (none allowed by ITINERA_ALLOWED_DESTINATION_HOSTS)')
    );
  }

  /** Why a URL's host is refused before any lookup (an IP literal, a metadata name), or null. */
  refusalForHost(hostname: string): string | null {
    const host = normalizeHost(hostname);
    if (this.isAllowedName(host)) return null;
    if (METADATA_HOST_NAMES.has(host)) return `${host} is a cloud metadata host`;
    return isIP(host) ? this.refusalForAddress(host, host) : null;
  }

  /** Why a resolved address of `hostname` is refused, or null. */
  refusalForAddress(address: string, hostname: string): string | null {
    const host = normalizeHost(hostname);
    if (this.isAllowedName(host)) return null;
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (this.allowedNetworks.check(address, family)) return null;
    const range = this.forbidden.find(({ list }) => list.check(address, family));
    if (!range) return null;
    const where = host === address ? address : `${host} resolves to ${address}, which`;
    return `${where} is ${range.kind}`;
  }

  /**
   * Why a destination URL is refused, resolving its host name now (or null). A name that does not resolve
   * is not refused here: the connection is checked again when it is made.
   */
  async refusalForUrl(url: string, lookup: typeof dnsLookup = dnsLookup): Promise<string | null> {
    if (!URL.canParse(url)) return null;
    const { hostname } = new URL(url);
    const byHost = this.refusalForHost(hostname);
    if (byHost || isIP(normalizeHost(hostname)) || this.isAllowedName(normalizeHost(hostname))) return byHost;
    const addresses = await new Promise<LookupAddress[]>((resolve) => {
      // A resolver that does not answer must not hold up the admin API; the connection is checked anyway.
      const timer = setTimeout(() => resolve([]), URL_CHECK_LOOKUP_TIMEOUT_MS);
      lookup(normalizeHost(hostname), { all: true }, (error, found) => {
        clearTimeout(timer);
        resolve(error ? [] : found);
      });
    });
    for (const { address } of addresses) {
      const refusal = this.refusalForAddress(address, hostname);
      if (refusal) return refusal;
    }
    return null;
  }

  /**
   * A `lookup` for sockets that refuses forbidden addresses after resolution, so the address checked is the
   * address connected to (a name that resolves elsewhere on a second lookup gains nothing).
   */
  guardedLookup(lookup: typeof dnsLookup = dnsLookup): LookupFunction {
    return (hostname, options, callback) => {
      lookup(hostname, { ...options, all: true } as LookupAllOptions, (error, addresses) => {
        if (error) return callback(error, '', 0);
        for (const { address } of addresses) {
          const refusal = this.refusalForAddress(address, hostname);
          if (refusal) return callback(new DestinationAddressRefusedError(refusal), '', 0);
        }
        if ((options as LookupAllOptions).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      });
    };
  }

  private allow(entry: string): void {
    const trimmed = entry.trim().toLowerCase();
    if (!trimmed) return;
    const [network, bits] = trimmed.split('/');
    const address = normalizeHost(network);
    const family = isIP(address);
    if (family === 0) {
      if (bits !== undefined || !/^(\*\.)?[a-z0-9._-]+$/.test(trimmed)) throw new Error(`ITINERA_ALLOWED_DESTINATION_HOSTS: "${entry}" is not a host name, IP address or CIDR`);
      this.allowedNames.push(trimmed.replace(/\.$/, ''));
      return;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new Error(`ITINERA_ALLOWED_DESTINATION_HOSTS: "${entry}" has an invalid prefix length`);
    }
    this.allowedNetworks.addSubnet(address, prefix, type);
  }

  private isAllowedName(host: string): boolean {
    return this.allowedNames.some((name) => (name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name));
  }
}

function blockListOf(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    const prefix = Number(bits);
    if (isIP(address) === 6) {
      list.addSubnet(address, prefix, 'ipv6');
      continue;
    }
    // IPv4-mapped addresses are matched by BlockList itself; NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
    // embed an IPv4 address too, and reach it through a translator.
    list.addSubnet(address, prefix, 'ipv4');
    list.addSubnet(`64:ff9b::${address}`, 96 + prefix, 'ipv6');
    const [a, b, c, d] = address.split('.').map(Number);
    const hex = (high: number, low: number) => ((high << 8) | low).toString(16);
    list.addSubnet(`2002:${hex(a, b)}:${hex(c, d)}::`, 16 + prefix, 'ipv6');
  }
  return list;
}

/** `[::1]` → `::1`, `Example.COM.` → `example.com`. */
function normalizeHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

// Kept on globalThis under a registry-wide symbol: a plugin that bundles its own copy of the kit still
// sends through the policy the application installed.
const POLICY = Symbol.for('itinera.plugin-kit.destinationAddressPolicy');
type PolicyHolder = { [POLICY]?: DestinationAddressPolicy };

/** Called once at start by the application (and by tests that need another policy). */
export function installDestinationAddressPolicy(policy: DestinationAddressPolicy): void {
  (globalThis as PolicyHolder)[POLICY] = policy;
}

/** The installed policy; strict until the application installs one. */
export function destinationAddressPolicy(): DestinationAddressPolicy {
  return (globalThis as PolicyHolder)[POLICY] ?? DestinationAddressPolicy.strict();
}
