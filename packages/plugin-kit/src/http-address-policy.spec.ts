import type { LookupAddress } from 'node:dns';
import { PermanentError } from './errors';
import { postJson } from './http';
import { DestinationAddressPolicy, installDestinationAddressPolicy } from './http-address-policy';
import { startRecordingServer, type RecordingServer } from './testing';

describe('outbound requests under the destination address policy', () => {
  let server: RecordingServer;
  let port: string;
  beforeEach(async () => {
    server = await startRecordingServer();
    port = new URL(server.url).port;
    installDestinationAddressPolicy(DestinationAddressPolicy.strict());
  });
  afterEach(() => server.close());

  const send = (url: string) => postJson({ url, body: '{}', timeoutMs: 2000 });

  it.each([
    ['127.0.0.1', /127\.0\.0\.1 is a loopback address/],
    ['localhost', /localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/],
    ['127.1', /127\.0\.0\.1 is a loopback address/],
    ['2130706433', /127\.0\.0\.1 is a loopback address/],
    ['0x7f000001', /127\.0\.0\.1 is a loopback address/],
    ['0.0.0.0', /0\.0\.0\.0 is an unspecified address/],
    ['[::1]', /::1 is a loopback address/],
    ['[::ffff:127.0.0.1]', /is a loopback address/],
    ['[64:ff9b::7f00:1]', /is a loopback address/],
    ['[2002:a9fe:a9fe::1]', /is a cloud metadata address/],
    ['169.254.169.254', /169\.254\.169\.254 is a cloud metadata address/],
    ['10.0.0.1', /10\.0\.0\.1 is a private address/],
    ['192.168.1.20', /is a private address/],
    ['[fe80::1]', /fe80::1 is a link-local address/],
    ['[fd00::1]', /fd00::1 is a unique-local address/],
    ['metadata.google.internal', /metadata\.google\.internal is a cloud metadata host/],
  ])('refuses %s permanently and sends nothing', async (host, reason) => {
    const error = await send(`http://${host}:${port}/hook`).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(reason);
    expect(error.message).toMatch(/^refused to send: .*ITINERA_ALLOWED_DESTINATION_HOSTS/);
    expect(server.requests).toHaveLength(0);
  });

  it('checks the addresses a name resolves to when it connects, so a name that resolves to loopback is refused', async () => {
    const resolvesToLoopback = ((_name: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
      callback(null, [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }])) as never;
    const lookup = DestinationAddressPolicy.strict().guardedLookup(resolvesToLoopback);
    const error = await new Promise<Error | null>((resolve) => lookup('hooks.attacker.example', { all: true }, (e) => resolve(e)));
    expect(error?.message).toBe('hooks.attacker.example resolves to 127.0.0.1, which is a loopback address');
  });

  it('does not follow a redirect to loopback', async () => {
    installDestinationAddressPolicy(new DestinationAddressPolicy({ allowLoopback: false, allowed: ['localhost'] }));
    const internal = await startRecordingServer();
    try {
      server.replyWith({ status: 302, headers: { location: `${internal.url}/admin` } });
      const error = await send(`http://localhost:${port}/hook`).catch((e) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toMatch(/HTTP 302.*redirects are not followed/);
      expect(server.requests).toHaveLength(1);
      expect(internal.requests).toHaveLength(0);
    } finally {
      await internal.close();
    }
  });

  it.each([['127.0.0.1'], ['127.0.0.0/8'], ['localhost']])('sends where the allowlist entry %s allows', async (entry) => {
    installDestinationAddressPolicy(new DestinationAddressPolicy({ allowLoopback: false, allowed: [entry] }));
    const host = entry === 'localhost' ? 'localhost' : '127.0.0.1';
    await expect(send(`http://${host}:${port}/hook`)).resolves.toMatchObject({ status: 200 });
    expect(server.requests).toHaveLength(1);
  });

  it('allows only what the allowlist names: a host name entry does not open its address to other names', async () => {
    installDestinationAddressPolicy(new DestinationAddressPolicy({ allowLoopback: false, allowed: ['localhost', '10.1.0.0/16'] }));
    await expect(send(`http://127.0.0.1:${port}/hook`)).rejects.toThrow(/loopback/);
    const policy = new DestinationAddressPolicy({ allowLoopback: false, allowed: ['10.1.0.0/16', '*.corp.example'] });
    expect(policy.refusalForHost('10.1.2.3')).toBeNull();
    expect(policy.refusalForHost('10.2.0.1')).toMatch(/private/);
    expect(policy.refusalForAddress('10.9.9.9', 'hooks.corp.example')).toBeNull();
  });

  it('allows loopback, and nothing else private, in laptop mode', () => {
    const laptop = new DestinationAddressPolicy({ allowLoopback: true, allowed: [] });
    expect(laptop.refusalForHost('127.0.0.1')).toBeNull();
    expect(laptop.refusalForHost('::1')).toBeNull();
    expect(laptop.refusalForHost('10.0.0.1')).toMatch(/private/);
    expect(laptop.refusalForHost('169.254.169.254')).toMatch(/metadata/);
    expect(laptop.describe()).toMatch(/except: loopback \(laptop mode\)/);
  });

  it('allows public addresses', () => {
    const policy = DestinationAddressPolicy.strict();
    expect(policy.refusalForHost('93.184.215.14')).toBeNull();
    expect(policy.refusalForHost('2606:4700::1111')).toBeNull();
    expect(policy.refusalForHost('64:ff9b::5db8:d70e')).toBeNull();
  });

  it('refuses a malformed allowlist entry at start', () => {
    expect(() => new DestinationAddressPolicy({ allowLoopback: false, allowed: ['10.0.0.0/40'] })).toThrow(/invalid prefix length/);
    expect(() => new DestinationAddressPolicy({ allowLoopback: false, allowed: ['http://x'] })).toThrow(/not a host name/);
  });
});
