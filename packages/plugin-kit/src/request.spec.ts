import { PermanentError, RetryableError } from './errors';
import { DestinationAddressPolicy, installDestinationAddressPolicy } from './http-address-policy';
import { createRequestClient, sendRequest } from './request';
import { REDACTED, secretValues } from './secrets';
import { allowLoopbackDestinations, startRecordingServer, type RecordingServer } from './testing';

describe('the request client handed to perform', () => {
  let server: RecordingServer;
  let other: RecordingServer;
  beforeEach(async () => {
    allowLoopbackDestinations();
    [server, other] = await Promise.all([startRecordingServer(), startRecordingServer()]);
  });
  afterEach(() => Promise.all([server.close(), other.close()]));
  const request = createRequestClient();

  it('sends any method, with a JSON body, and returns status, headers and the parsed answer', async () => {
    server.replyWith({ status: 200, body: { updated: true }, headers: { 'x-request-id': 'r-1' } });
    const response = await request(`${server.url}/users/88`, { method: 'patch', json: { plan: 'pro' } });
    expect(response).toMatchObject({ status: 200, body: { updated: true }, url: `${server.url}/users/88` });
    expect(response.headers['x-request-id']).toBe('r-1');
    expect(server.requests[0]).toMatchObject({ method: 'PATCH', rawBody: '{"plan":"pro"}', headers: { 'content-type': 'application/json' } });

    await request(`${server.url}/users/88`, { method: 'DELETE' });
    expect(server.requests[1]).toMatchObject({ method: 'DELETE', rawBody: '' });
  });

  it('is a GET without a body and a POST with one, unless told otherwise', async () => {
    await request(server.url);
    await request(server.url, { json: {} });
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  it('sends a form body and query string parameters, repeating arrays and leaving out null and undefined', async () => {
    await request(`${server.url}/subscribe?list=weekly`, {
      form: { email: 'ada@example.com', tags: ['vip', 'beta'], consent: true, skipped: undefined },
      searchParams: { source: 'itinera', page: 2, none: null },
    });
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/subscribe?list=weekly&source=itinera&page=2',
      rawBody: 'email=ada%40example.com&tags=vip&tags=beta&consent=true',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  });

  it('refuses two kinds of body at once, before sending', async () => {
    await expect(request(server.url, { json: {}, form: {} })).rejects.toThrow(new PermanentError('a request takes at most one of json, form and body'));
    expect(server.requests).toHaveLength(0);
  });

  it('follows a redirect to an allowed address, dropping credentials when it leaves the origin', async () => {
    server.replyWith({ status: 307, headers: { location: `${other.url}/moved` } });
    const response = await request(`${server.url}/old`, { method: 'PUT', json: { a: 1 }, headers: { Authorization: 'Bearer tok_secret', 'X-Team': 'growth' } });
    expect(response.url).toBe(`${other.url}/moved`);
    expect(other.requests[0]).toMatchObject({ method: 'PUT', rawBody: '{"a":1}', headers: { 'x-team': 'growth' } });
    expect(other.requests[0].headers.authorization).toBeUndefined();
  });

  it('turns a POST into a GET without its body on 303, as browsers do', async () => {
    server.replyWith((req) => (req.path === '/form' ? { status: 303, headers: { location: '/done' } } : { status: 200, body: { ok: true } }));
    await request(`${server.url}/form`, { form: { a: '1' } });
    expect(server.requests.map((r) => [r.method, r.path, r.rawBody])).toEqual([
      ['POST', '/form', 'a=1'],
      ['GET', '/done', ''],
    ]);
  });

  it('refuses a redirect to an address the outbound policy forbids, without connecting to it', async () => {
    installDestinationAddressPolicy(new DestinationAddressPolicy({ allowLoopback: false, allowed: ['127.0.0.1'] }));
    server.replyWith({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    const error = await request(server.url).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/^refused to send: 169\.254\.169\.254 is a cloud metadata address/);

    const port = new URL(other.url).port;
    server.replyWith({ status: 302, headers: { location: `http://[::1]:${port}/` } });
    await expect(request(server.url)).rejects.toThrow(/refused to send: ::1 is a loopback address/);
    expect(other.requests).toHaveLength(0);
  });

  it('stops after the maximum number of redirects, and refuses them when asked to', async () => {
    server.replyWith({ status: 302, headers: { location: '/again' } });
    await expect(request(server.url, { maxRedirects: 2 })).rejects.toThrow(new PermanentError(`${new URL(server.url).host} redirected more than 2 times`));
    expect(server.requests).toHaveLength(3);

    const refused = await request(server.url, { redirect: 'error' }).catch((e) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused.message).toMatch(/HTTP 302; redirects are not followed, use \/again/);
    await expect(request(server.url, { redirect: 'manual' })).resolves.toMatchObject({ status: 302, headers: { location: '/again' } });
  });

  it('gives up with a RetryableError when the destination does not answer in time', async () => {
    server.replyWith('no-answer');
    const started = Date.now();
    const error = await request(server.url, { timeoutMs: 300 }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe(`${new URL(server.url).host} did not answer: timed out after 300 ms`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is aborted with the attempt it belongs to', async () => {
    server.replyWith('no-answer');
    const attempt = new AbortController();
    const pending = createRequestClient({ signal: attempt.signal })(server.url, { timeoutMs: 10_000 });
    setTimeout(() => attempt.abort(), 50);
    await expect(pending).rejects.toThrow(/aborted before it finished/);
  });

  it.each([
    [429, () => '3', 3_000],
    [503, () => new Date(Date.now() + 30_000).toUTCString(), 30_000],
  ])('carries the Retry-After of a %i on its RetryableError (seconds or an HTTP date)', async (status, header, expected) => {
    server.replyWith({ status, headers: { 'retry-after': header() } });
    const error = await request(server.url).catch((e) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(status);
    // An HTTP date has whole seconds.
    expect(error.retryAfterMs).toBeGreaterThan(expected - 1_500);
    expect(error.retryAfterMs).toBeLessThanOrEqual(expected);
  });

  it('classifies other answers: 500 retryable without a delay, 404 permanent; or returns them when asked', async () => {
    server.replyWith({ status: 500, headers: { 'retry-after': '60' }, body: 'oops' });
    await expect(request(server.url)).rejects.toMatchObject({ name: 'RetryableError', status: 500, retryAfterMs: undefined });
    server.replyWith({ status: 404, body: { error: 'no such user' } });
    const error = await request(server.url).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(`${new URL(server.url).host} answered HTTP 404: {"error":"no such user"}`);
    await expect(request(server.url, { throwHttpErrors: false })).resolves.toMatchObject({ status: 404, body: { error: 'no such user' } });
  });

  it("redacts the destination's secrets from its errors, even when the destination echoes them back", async () => {
    const settings = { apiKey: 'sk_live_0123456789', region: 'eu' };
    const secrets = secretValues({ apiKey: { type: 'string', secret: true }, region: { type: 'string' } }, settings);
    server.replyWith((req) => ({ status: 401, body: `bad key ${req.headers.authorization} (${req.path})` }));
    const client = createRequestClient({ secrets });
    const error = await client(`${server.url}/v1?key=${settings.apiKey}`, { headers: { Authorization: `Basic ${Buffer.from(`${settings.apiKey}:`).toString('base64')}` } }).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(`${new URL(server.url).host} answered HTTP 401: bad key Basic ${REDACTED} (/v1?key=${REDACTED})`);
    expect(error.message).not.toContain('sk_live');
  });

  it('checks the policy of the moment: loopback is refused until allowed', async () => {
    installDestinationAddressPolicy(DestinationAddressPolicy.strict());
    await expect(sendRequest(server.url)).rejects.toThrow(/refused to send: 127\.0\.0\.1 is a loopback address/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('RetryableError', () => {
  it('carries a retry time as the delay until it', () => {
    const error = new RetryableError('rate limited', { retryAt: new Date(Date.now() + 60_000) });
    expect(error.retryAfterMs).toBeGreaterThan(59_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(new RetryableError('late', { retryAt: new Date(Date.now() - 5_000) }).retryAfterMs).toBe(0);
  });
});
