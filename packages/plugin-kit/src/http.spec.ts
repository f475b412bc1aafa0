import { PermanentError, RetryableError } from './errors';
import { RESPONSE_BODY_LIMIT, postJson, retryAfterMs } from './http';
import { allowLoopbackDestinations, startRecordingServer, type RecordingServer } from './testing';

describe('postJson', () => {
  beforeAll(allowLoopbackDestinations);
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecordingServer();
  });
  afterEach(() => server.close());

  const send = (overrides: Partial<Parameters<typeof postJson>[0]> = {}) =>
    postJson({ url: `${server.url}/hook`, body: '{"hello":"world"}', timeoutMs: 2000, ...overrides });

  it('sends the body byte for byte as JSON and returns the parsed JSON answer', async () => {
    server.replyWith({ status: 201, body: { received: true } });
    await expect(send({ headers: { 'X-Team': 'growth' } })).resolves.toEqual({ status: 201, body: { received: true } });
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/hook',
      rawBody: '{"hello":"world"}',
      headers: { 'content-type': 'application/json', 'x-team': 'growth' },
    });
  });

  it('returns a text answer as text, and an empty one as undefined', async () => {
    server.replyWith({ status: 200, body: 'accepted' });
    await expect(send()).resolves.toEqual({ status: 200, body: 'accepted' });
    server.replyWith({ status: 204 });
    await expect(send()).resolves.toEqual({ status: 204, body: undefined });
  });

  it('keeps only the first 2 KB of a large answer', async () => {
    server.replyWith({ status: 200, body: 'x'.repeat(100_000) });
    const { body } = await send();
    expect(body).toBe(`${'x'.repeat(RESPONSE_BODY_LIMIT)}…`);
  });

  it('does not let a configured header replace the JSON content type', async () => {
    await send({ headers: { 'content-type': 'text/plain' } });
    expect(server.requests[0].headers['content-type']).toBe('application/json');
  });

  it('does not follow redirects, and says where they point', async () => {
    server.replyWith({ status: 301, headers: { location: 'https://elsewhere.example.com/hook' } });
    const error = await send().catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/HTTP 301.*redirects are not followed, use https:\/\/elsewhere\.example\.com\/hook/);
    expect(server.requests).toHaveLength(1);
  });

  it('names only the host in errors, never the path or query that may hold a token', async () => {
    server.replyWith({ status: 404, body: 'no such hook' });
    const error = await send({ url: `${server.url}/hooks/tok_abc123?token=tok_abc123` }).catch((e) => e);
    expect(error.message).toBe(`${new URL(server.url).host} answered HTTP 404: no such hook`);
  });

  it('gives up with a RetryableError when the caller aborts, e.g. at shutdown', async () => {
    server.replyWith('no-answer');
    const controller = new AbortController();
    const pending = send({ signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((e) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toMatch(/aborted before it finished/);
  });

  it('fails permanently on a header the HTTP protocol cannot carry', async () => {
    const error = await send({ headers: { 'Bad Header': 'x' } }).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/invalid HTTP header/);
  });

  it.each(['ftp://example.com/hook', 'not a url'])('fails permanently on the URL %j', async (url) => {
    await expect(send({ url })).rejects.toThrow(new PermanentError('the destination URL is not an absolute http(s) URL'));
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-03-01T10:00:00Z');

  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sat, 01 Mar 2025 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sat, 01 Mar 2025 09:00:00 GMT', now)).toBe(0);
    expect([retryAfterMs(null, now), retryAfterMs('soon', now), retryAfterMs('-5', now), retryAfterMs('1.5', now)]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('fails permanently, without sending, for a header value with a control character (saved before they were refused)', async () => {
    const server = await startRecordingServer();
    try {
      const error = await postJson({ url: server.url, body: '{}', headers: { Authorization: 'Bearer \u0007' }, timeoutMs: 2000 }).catch((e) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toBe('invalid HTTP header: header Authorization has a value with a control character');
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('is carried by the RetryableError of a 429 or 503', async () => {
    const server = await startRecordingServer();
    try {
      server.replyWith({ status: 429, headers: { 'retry-after': '7' } });
      const error = await postJson({ url: server.url, body: '{}', timeoutMs: 2000 }).catch((e) => e);
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ status: 429, retryAfterMs: 7000 });
    } finally {
      await server.close();
    }
  });
});
