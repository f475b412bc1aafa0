import { isPermanentError, PermanentError, RetryableError, validateSettings } from '@itinera/plugin-kit';
import { allowLoopbackDestinations, runAction } from '@itinera/plugin-kit/testing';
import slack from './index';
import { SLACK_ARCHIVED_WEBHOOK_PATH, SLACK_BOT_TOKEN, SLACK_REVOKED_WEBHOOK_PATH, SLACK_WEBHOOK_PATH, startFakeSlack, type FakeSlack } from './slack-api.fixture';

describe('slack destination', () => {
  beforeAll(allowLoopbackDestinations);
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await startFakeSlack();
  });
  afterEach(() => fake.close());

  describe('incoming webhook (sendWebhookMessage)', () => {
    const send = (path = SLACK_WEBHOOK_PATH, mapping?: unknown) => runAction(slack, 'sendWebhookMessage', { settings: { webhookUrl: `${fake.url}${path}` }, mapping });

    it('POSTs the mapped text and blocks as JSON and succeeds on 200 "ok"', async () => {
      const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Application 1234*' } }];
      const result = await send(SLACK_WEBHOOK_PATH, { text: { '@template': 'Hi {{traits.first_name}}' }, blocks: { '@literal': blocks } });
      expect(result).toEqual({ status: 200, response: 'ok' });
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]).toMatchObject({ method: 'POST', path: SLACK_WEBHOOK_PATH, json: { text: 'Hi Ada', blocks } });
      expect(fake.requests[0].headers['content-type']).toMatch(/^application\/json/);
    });

    it('fills the text from its default mapping, with the template fallback for a missing name', async () => {
      await runAction(slack, 'sendWebhookMessage', {
        settings: { webhookUrl: `${fake.url}${SLACK_WEBHOOK_PATH}` },
        context: { userId: 'u1', journey: { id: 'j', name: 'Onboarding', version: 1 }, instance: { id: 'i', enteredAt: '2025-03-01T10:00:00Z' }, entry: { event: 'e', properties: {}, timestamp: '2025-03-01T10:00:00Z', messageId: 'm' }, events: {}, traits: {} },
      });
      expect(fake.requests[0].json).toEqual({ text: 'Someone entered Onboarding' });
    });

    it.each([
      ['an unknown webhook (404 no_service)', '/services/T0001/B9999/nope', /HTTP 404.*no_service/],
      ['a revoked webhook (403 action_prohibited)', SLACK_REVOKED_WEBHOOK_PATH, /HTTP 403.*action_prohibited/],
      ['an archived channel (410 channel_is_archived)', SLACK_ARCHIVED_WEBHOOK_PATH, /HTTP 410.*channel_is_archived/],
    ])('fails permanently for %s', async (_case, path, message) => {
      const error = await send(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toMatch(message);
    });

    it('fails permanently on 400 invalid_payload, which a mapping that builds no text would cause', async () => {
      fake.replyWith({ status: 400, body: 'invalid_payload' });
      const error = await send().catch((e: unknown) => e);
      expect(isPermanentError(error)).toBe(true);
      expect((error as Error).message).toMatch(/HTTP 400.*invalid_payload/);
    });

    it('retries a 429 after the Retry-After Slack asked for', async () => {
      fake.rateLimit(1, 30);
      const error = await send().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ status: 429, retryAfterMs: 30_000 });
      await expect(send()).resolves.toEqual({ status: 200, response: 'ok' });
    });

    it('needs the webhook URL', async () => {
      await expect(runAction(slack, 'sendWebhookMessage', { settings: {} })).rejects.toThrow(new PermanentError('settings.webhookUrl is required to send a webhook message'));
    });
  });

  describe('chat.postMessage (postMessage)', () => {
    const post = (settings: Record<string, unknown> = {}, mapping: unknown = { channel: 'C0GROWTH' }) =>
      runAction(slack, 'postMessage', { settings: { botToken: SLACK_BOT_TOKEN, apiUrl: `${fake.url}/api`, ...settings }, mapping });

    it('POSTs channel, text and thread to chat.postMessage with the bot token, and reports channel and ts', async () => {
      const result = await post({}, { channel: 'C0GROWTH', text: { '@template': 'Nudge {{traits.first_name}}' }, thread_ts: '1740823100.000001' });
      expect(result).toEqual({ status: 200, response: { channel: 'C0GROWTH', ts: '1740823200.000100' } });
      const request = fake.requests[0];
      expect(request).toMatchObject({ method: 'POST', path: '/api/chat.postMessage', json: { channel: 'C0GROWTH', text: 'Nudge Ada', thread_ts: '1740823100.000001' } });
      expect(request.headers.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
    });

    it.each([
      ['invalid_auth', { botToken: 'xoxb-wrong' }, { channel: 'C0GROWTH' }],
      ['channel_not_found', {}, { channel: 'C0NOWHERE' }],
    ])('classifies HTTP 200 { ok: false, error: "%s" } as permanent', async (code, settings, mapping) => {
      const error = await post(settings, mapping).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ message: `Slack chat.postMessage failed: ${code}`, status: 200 });
    });

    it.each(['ratelimited', 'internal_error', 'service_unavailable'])('classifies HTTP 200 { ok: false, error: "%s" } as retryable', async (code) => {
      fake.failNextPost(code);
      const error = await post().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryableError);
      expect((error as Error).message).toBe(`Slack chat.postMessage failed: ${code}`);
    });

    it('retries an HTTP 429 ratelimited answer after its Retry-After', async () => {
      fake.rateLimit(1, 3);
      const error = await post().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'RetryableError', status: 429, retryAfterMs: 3000 });
    });

    it('never puts the bot token in an error message', async () => {
      fake.replyWith({ status: 500, body: `boom ${SLACK_BOT_TOKEN}` });
      const error = (await post().catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).not.toContain(SLACK_BOT_TOKEN);
    });

    it('needs a bot token', async () => {
      await expect(runAction(slack, 'postMessage', { settings: {}, mapping: { channel: 'C0GROWTH' } })).rejects.toThrow('settings.botToken is required');
    });
  });

  it('keeps webhook URL and bot token secret, and validates the API URL', () => {
    expect(slack.settings.webhookUrl).toMatchObject({ secret: true });
    expect(slack.settings.botToken).toMatchObject({ secret: true });
    expect(validateSettings(slack.settings, { apiUrl: 'not a url' })).toEqual([{ path: 'settings.apiUrl', message: expect.stringMatching(/URL/) }]);
  });
});
