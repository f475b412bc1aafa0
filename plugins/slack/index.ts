import { actionFor, defineDestination, defineSettings, PermanentError, RetryableError } from '@itinera/plugin-kit';

/** What chat.postMessage answers, with HTTP 200 whether it worked or not. */
interface WebApiAnswer {
  ok?: boolean;
  error?: string;
  ts?: string;
  channel?: string;
}

/**
 * Web API errors worth retrying: Slack's own trouble and rate limits. Every other `error` (invalid_auth,
 * channel_not_found, not_in_channel, msg_too_long, missing_scope…) needs a change of settings or mapping.
 */
const RETRYABLE_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

const settings = defineSettings({
  webhookUrl: { type: 'string', format: 'uri', secret: true, description: 'Incoming webhook URL, for "Send a webhook message".' },
  botToken: { type: 'string', secret: true, description: 'Bot token (xoxb-…) with chat:write, for "Post a message".' },
  apiUrl: { type: 'string', format: 'uri', default: 'https://slack.com/api', description: 'The Web API base URL.' },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
});

const action = actionFor(settings);

const text = {
  type: 'string',
  required: true,
  description: 'The message (Slack mrkdwn); also the notification text when `blocks` are given.',
  default: { '@template': '{{traits.first_name | default: "Someone"}} entered {{journey.name}}' },
} as const;
const blocks = { type: 'array', description: 'Block Kit blocks, e.g. [{ "type": "section", "text": { "type": "mrkdwn", "text": "…" } }].' } as const;

const sendWebhookMessage = action({
  title: 'Send a webhook message',
  description: 'Posts a message through an incoming webhook, to the channel the webhook was created for.',
  fields: { text, blocks },
  async perform({ payload, settings, request }) {
    if (!settings.webhookUrl) throw new PermanentError('settings.webhookUrl is required to send a webhook message');
    // The webhook answers 200 "ok"; 400 invalid_payload, 403 action_prohibited, 404 no_service and 410
    // channel_is_archived are permanent; 429 (with Retry-After) and 5xx are retried by the request client.
    const response = await request(settings.webhookUrl, { method: 'POST', json: { text: payload.text, blocks: payload.blocks }, timeoutMs: settings.timeoutMs, redirect: 'error' });
    return { status: response.status, response: response.body };
  },
});

const postMessage = action({
  title: 'Post a message (chat.postMessage)',
  description: 'Posts a message as the bot to any channel it is in, or to a user by their member ID.',
  fields: {
    channel: { type: 'string', required: true, description: 'A channel ID (C…), a channel name (#growth) or a user ID (U…) for a direct message.' },
    text,
    blocks,
    thread_ts: { type: 'string', description: 'Replies in the thread of this message timestamp.' },
  },
  async perform({ payload, settings, request }) {
    if (!settings.botToken) throw new PermanentError('settings.botToken is required to post with chat.postMessage');
    const response = await request<WebApiAnswer>(`${settings.apiUrl.replace(/\/+$/, '')}/chat.postMessage`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${settings.botToken}` },
      json: payload,
      timeoutMs: settings.timeoutMs,
      redirect: 'error',
    });
    const answer = response.body ?? {};
    if (answer.ok === true) return { status: response.status, response: { channel: answer.channel, ts: answer.ts } };
    const error = typeof answer.error === 'string' ? answer.error : 'an answer without ok: true';
    const message = `Slack chat.postMessage failed: ${error}`;
    if (RETRYABLE_ERRORS.has(error)) throw new RetryableError(message, { status: response.status, retryAfterMs: retryAfterMs(response.headers['retry-after']) });
    throw new PermanentError(message, { status: response.status });
  },
});

function retryAfterMs(header: string | undefined): number | undefined {
  return header && /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : undefined;
}

export default defineDestination({
  name: 'slack',
  kitVersion: '^2.0.0',
  displayName: 'Slack',
  description: 'Posts messages to Slack through an incoming webhook or, with a bot token, chat.postMessage.',
  settings,
  actions: { sendWebhookMessage, postMessage },
});
