import { createHmac } from 'node:crypto';
import { PermanentError, RetryableError, isPermanentError, validateSettings } from '@itinera/plugin-kit';
import { allowLoopbackDestinations, runAction, sampleJourneyContext, startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import webhook from './index';

describe('webhook destination', () => {
  beforeAll(allowLoopbackDestinations);
  let receiver: RecordingServer;
  beforeEach(async () => {
    receiver = await startRecordingServer();
  });
  afterEach(() => receiver.close());

  const nudge = (settings: Record<string, unknown> = {}, mapping?: unknown) =>
    runAction(webhook, 'send', {
      settings: { url: `${receiver.url}/hooks/itinera`, ...settings },
      mapping,
      stepKey: 'send_nudge_k3x9q2',
      eventName: 'Application Nudge',
      idempotencyKey: 'instance-88-1234:send_nudge_k3x9q2:1',
    });

  describe('request', () => {
    it('POSTs the JSON envelope with the step key, event name, ids, idempotency key and mapped data', async () => {
      await nudge({}, { data: { application: { '@path': '$.entry.properties.Application_id' }, greeting: { '@template': 'Hi {{traits.first_name}}' } } });

      expect(receiver.requests).toHaveLength(1);
      const request = receiver.requests[0];
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/hooks/itinera');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.json).toEqual({
        key: 'send_nudge_k3x9q2',
        event: 'Application Nudge',
        journeyId: sampleJourneyContext.journey.id,
        instanceId: sampleJourneyContext.instance.id,
        userId: '88',
        idempotencyKey: 'instance-88-1234:send_nudge_k3x9q2:1',
        data: { application: '1234', greeting: 'Hi Ada' },
      });
    });

    it('marks a test run’s send with test: true in the body (and signs it), and live sends not at all', async () => {
      await runAction(webhook, 'send', { settings: { url: receiver.url, secret: 'whsec_itinera' }, stepKey: 'send_nudge_k3x9q2', test: true });
      await runAction(webhook, 'send', { settings: { url: receiver.url }, stepKey: 'send_nudge_k3x9q2', test: false });

      const [testSend, liveSend] = receiver.requests.map((request) => request.json as Record<string, unknown>);
      expect(testSend).toMatchObject({ key: 'send_nudge_k3x9q2', test: true });
      expect(Object.keys(liveSend)).not.toContain('test');
      const { rawBody, headers } = receiver.requests[0];
      expect(headers['x-itinera-signature']).toBe(`sha256=${createHmac('sha256', 'whsec_itinera').update(rawBody).digest('hex')}`);
    });

    it('sends the entry event properties as data when the step maps nothing', async () => {
      await nudge();
      expect(receiver.requests[0].json).toMatchObject({ data: sampleJourneyContext.entry.properties });
    });

    it('sends event: null when the send step has no event name', async () => {
      await runAction(webhook, 'send', { settings: { url: receiver.url } });
      expect(receiver.requests[0].json).toMatchObject({ event: null });
    });

    it('carries the idempotency key in the Idempotency-Key header', async () => {
      await nudge();
      expect(receiver.requests[0].headers['idempotency-key']).toBe('instance-88-1234:send_nudge_k3x9q2:1');
    });

    it('signs the exact raw body with HMAC-SHA256 of the secret in X-Itinera-Signature', async () => {
      await nudge({ secret: 'whsec_itinera' }, { data: { note: 'café ☕ and "quotes"' } });

      const { rawBody, headers } = receiver.requests[0];
      const expected = `sha256=${createHmac('sha256', 'whsec_itinera').update(rawBody).digest('hex')}`;
      expect(headers['x-itinera-signature']).toBe(expected);
    });

    it('sends no signature when no secret is set', async () => {
      await nudge();
      expect(receiver.requests[0].headers).not.toHaveProperty('x-itinera-signature');
    });

    it('uses PUT and adds the configured headers when asked', async () => {
      await nudge({ method: 'PUT', headers: { Authorization: 'Bearer tok_123', 'X-Team': 'growth' } });

      const request = receiver.requests[0];
      expect(request.method).toBe('PUT');
      expect(request.headers).toMatchObject({ authorization: 'Bearer tok_123', 'x-team': 'growth' });
    });

    it('does not let configured headers replace the idempotency key or the signature', async () => {
      await nudge({ secret: 'whsec_itinera', headers: { 'idempotency-key': 'forged', 'x-itinera-signature': 'sha256=forged' } });

      const { headers, rawBody } = receiver.requests[0];
      expect(headers['idempotency-key']).toBe('instance-88-1234:send_nudge_k3x9q2:1');
      expect(headers['x-itinera-signature']).toBe(`sha256=${createHmac('sha256', 'whsec_itinera').update(rawBody).digest('hex')}`);
    });
  });

  describe('outcome', () => {
    it('reports a 2xx as delivered, with the status and the parsed answer', async () => {
      receiver.replyWith({ status: 202, body: { queued: true } });
      await expect(nudge()).resolves.toEqual({ status: 202, response: { queued: true } });
    });

    it.each([500, 503, 429, 408])('retries after HTTP %i', async (status) => {
      receiver.replyWith({ status, body: 'try later' });
      const error = await nudge().catch((e) => e);
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.status).toBe(status);
      expect(error.message).toContain(`HTTP ${status}`);
      expect(isPermanentError(error)).toBe(false);
    });

    it.each([400, 401, 404, 422])('fails permanently on HTTP %i, quoting the answer', async (status) => {
      receiver.replyWith({ status, body: { error: 'unknown field "application"' } });
      const error = await nudge().catch((e) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.status).toBe(status);
      expect(error.message).toContain(`HTTP ${status}: {"error":"unknown field \\"application\\""}`);
    });

    it('retries when the receiver does not answer within timeoutMs', async () => {
      receiver.replyWith('no-answer');
      const started = Date.now();
      const error = await nudge({ timeoutMs: 300 }).catch((e) => e);

      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).toMatch(/timed out after 300 ms/);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('retries when the connection is refused', async () => {
      await receiver.close();
      const error = await nudge().catch((e) => e);

      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).toMatch(/network error reaching 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    });
  });

  describe('settings', () => {
    it('need only a url; method defaults to POST and timeoutMs to 10000', () => {
      expect(validateSettings(webhook.settings, { url: 'https://example.com/hooks/itinera' })).toEqual([]);
      expect(webhook.settings.method.default).toBe('POST');
      expect(webhook.settings.timeoutMs.default).toBe(10000);
    });

    it('list every problem with its path', () => {
      expect(validateSettings(webhook.settings, { method: 'GET', headers: 'Authorization: x', timeoutMs: '300' })).toEqual([
        { path: 'settings.url', message: 'is required' },
        { path: 'settings.method', message: 'must be one of "POST", "PUT", got "GET"' },
        { path: 'settings.headers', message: 'must be an object' },
        { path: 'settings.timeoutMs', message: 'must be an integer, got "300"' },
      ]);
    });

    it('mark the signing secret and the headers, which often hold credentials, as secret', () => {
      expect(webhook.settings.secret.secret).toBe(true);
      expect(webhook.settings.headers.secret).toBe(true);
    });
  });

  it('fails permanently, without sending, when data does not map to an object', async () => {
    const error = await nudge({}, { data: { '@path': '$.traits.email' } }).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('invalid payload for webhook.send: data must be an object, got "ada@example.com"');
    expect(receiver.requests).toHaveLength(0);
  });
});
