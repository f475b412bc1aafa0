import { PermanentError, RetryableError, redactSettings, validateSettings } from '@itinera/plugin-kit';
import { allowLoopbackDestinations, runAction, sampleJourneyContext, startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import trackingApi from './index';

describe('tracking-api destination', () => {
  beforeAll(allowLoopbackDestinations);
  let collector: RecordingServer;
  beforeEach(async () => {
    collector = await startRecordingServer();
  });
  afterEach(() => collector.close());

  const idempotencyKey = 'instance-88-1234:track_nudge_p0w3rs:1';
  const run = (action: 'track' | 'identify', mapping: unknown, settings: Record<string, unknown> = {}) =>
    runAction(trackingApi, action, {
      settings: { host: collector.url, writeKey: 'wk_live_88', ...settings },
      mapping,
      stepKey: 'track_nudge_p0w3rs',
      idempotencyKey,
    });

  describe('track', () => {
    it('POSTs a track call to <host>/v1/track with the idempotency key as messageId', async () => {
      await run('track', {
        event: 'Application Nudge Sent',
        properties: { Application_id: { '@path': '$.entry.properties.Application_id' }, Tier: { '@path': '$.entry.properties.Tier' } },
        timestamp: '2025-03-01T12:00:00.000Z',
      });

      expect(collector.requests).toHaveLength(1);
      const request = collector.requests[0];
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/v1/track');
      expect(request.json).toEqual({
        type: 'track',
        userId: '88',
        event: 'Application Nudge Sent',
        properties: { Application_id: '1234', Tier: 'Premium' },
        timestamp: '2025-03-01T12:00:00.000Z',
        messageId: idempotencyKey,
        context: {
          library: { name: 'itinera' },
          itinera: { journeyId: sampleJourneyContext.journey.id, instanceId: sampleJourneyContext.instance.id, stepKey: 'track_nudge_p0w3rs' },
        },
      });
    });

    it('authenticates with HTTP Basic: the write key as user name and an empty password', async () => {
      await run('track', { event: 'Application Nudge Sent' });
      const authorization = collector.requests[0].headers.authorization ?? '';
      expect(authorization).toBe(`Basic ${Buffer.from('wk_live_88:').toString('base64')}`);
      expect(Buffer.from(authorization.replace('Basic ', ''), 'base64').toString()).toBe('wk_live_88:');
    });

    it('sends empty properties and leaves the timestamp to the receiver when they are not mapped', async () => {
      await run('track', { event: 'Application Nudge Sent' });
      const body = collector.requests[0].json as Record<string, unknown>;
      expect(body.properties).toEqual({});
      expect(body).not.toHaveProperty('timestamp');
    });

    it('sends the same messageId on every retry of one delivery, so the receiver keeps only one', async () => {
      collector.replyWith((request) => (collector.requests.indexOf(request) === 0 ? { status: 503 } : { status: 200, body: { success: true } }));
      await expect(run('track', { event: 'Application Nudge Sent' })).rejects.toBeInstanceOf(RetryableError);
      await expect(run('track', { event: 'Application Nudge Sent' })).resolves.toEqual({ status: 200, response: { success: true } });
      expect(collector.requests.map((r) => (r.json as { messageId: string }).messageId)).toEqual([idempotencyKey, idempotencyKey]);
    });

    it('keeps a path prefix in the host and ignores a trailing slash', async () => {
      await run('track', { event: 'Application Nudge Sent' }, { host: `${collector.url}/collector/` });
      expect(collector.requests[0].path).toBe('/collector/v1/track');
    });

    it('fails permanently, without sending, when the event name is missing or the timestamp is not a date-time', async () => {
      const error = await run('track', { timestamp: 'yesterday' }).catch((e) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toBe(
        'invalid payload for tracking-api.track: event is required; timestamp must be an ISO-8601 date-time such as 2025-03-01T10:00:00Z, got "yesterday"',
      );
      expect(collector.requests).toHaveLength(0);
    });
  });

  describe('identify', () => {
    it('POSTs an identify call to <host>/v1/identify with the mapped traits', async () => {
      await run('identify', { traits: { nudged: true, last_application: { '@path': '$.entry.properties.Application_id' } } });

      const request = collector.requests[0];
      expect(request.path).toBe('/v1/identify');
      expect(request.headers.authorization).toBe(`Basic ${Buffer.from('wk_live_88:').toString('base64')}`);
      expect(request.json).toMatchObject({
        type: 'identify',
        userId: '88',
        traits: { nudged: true, last_application: '1234' },
        messageId: idempotencyKey,
      });
    });
  });

  describe('outcome', () => {
    it('retries after HTTP 500 and 429', async () => {
      for (const status of [500, 429]) {
        collector.replyWith({ status });
        const error = await run('track', { event: 'Application Nudge Sent' }).catch((e) => e);
        expect(error).toBeInstanceOf(RetryableError);
        expect(error.status).toBe(status);
      }
    });

    it('fails permanently on HTTP 400 and 401, quoting the answer', async () => {
      collector.replyWith({ status: 401, body: { error: 'invalid write key' } });
      const error = await run('track', { event: 'Application Nudge Sent' }).catch((e) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toMatch(/HTTP 401: \{"error":"invalid write key"\}/);

      collector.replyWith({ status: 400, body: { errors: [{ path: 'event', message: 'is required' }] } });
      const badRequest = await run('track', { event: 'Application Nudge Sent' }).catch((e) => e);
      expect(badRequest).toBeInstanceOf(PermanentError);
      expect(badRequest.status).toBe(400);
    });

    it('retries when the collector does not answer within timeoutMs', async () => {
      collector.replyWith('no-answer');
      const error = await run('track', { event: 'Application Nudge Sent' }, { timeoutMs: 300 }).catch((e) => e);
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).toMatch(/timed out after 300 ms/);
    });
  });

  describe('settings', () => {
    it('need a host URL and a write key, which is secret', () => {
      expect(validateSettings(trackingApi.settings, {})).toEqual([
        { path: 'settings.host', message: 'is required' },
        { path: 'settings.writeKey', message: 'is required' },
      ]);
      expect(redactSettings(trackingApi.settings, { host: 'https://api.segment.io', writeKey: 'wk_live_88' })).toEqual({
        host: 'https://api.segment.io',
      });
    });
  });
});
