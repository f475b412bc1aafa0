/**
 * A local stand-in for Slack, answering as its documentation says
 * (api.slack.com/messaging/webhooks#handling_errors, api.slack.com/methods/chat.postMessage):
 * - incoming webhooks at `/services/<T>/<B>/<secret>`: 200 `ok`; 400 `invalid_payload` or `no_text`;
 *   403 `action_prohibited`; 404 `no_service`; 410 `channel_is_archived`; 429 with Retry-After;
 * - `POST /api/chat.postMessage` with `Authorization: Bearer <token>`: HTTP 200 with `{ ok: true, channel, ts }`
 *   or `{ ok: false, error }` (`not_authed`, `invalid_auth`, `channel_not_found`, `no_text`), and HTTP 429
 *   with Retry-After and `{ ok: false, error: "ratelimited" }` when rate limited.
 */
import { startRecordingServer, type RecordedRequest, type RecordingReply, type RecordingServer } from '@itinera/plugin-kit/testing';

export const SLACK_WEBHOOK_PATH = '/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX';
export const SLACK_ARCHIVED_WEBHOOK_PATH = '/services/T0001/B0002/ARCHIVEDARCHIVEDARCHIVED';
export const SLACK_REVOKED_WEBHOOK_PATH = '/services/T0001/B0003/REVOKEDREVOKEDREVOKEDREV';
export const SLACK_BOT_TOKEN = 'xoxb-0001-0001-testtoken';
export const SLACK_CHANNELS = ['C0GROWTH', 'U0ADA'];

export interface FakeSlack extends RecordingServer {
  /** The next `count` requests answer 429 with `Retry-After: <seconds>`. */
  rateLimit(count: number, retryAfterSeconds: number): void;
  /** The next chat.postMessage answers HTTP 200 `{ ok: false, error }`. */
  failNextPost(error: string): void;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const server = await startRecordingServer();
  let limited = 0;
  let retryAfter = 0;
  const failures: string[] = [];
  server.replyWith((request) => {
    if (limited > 0) {
      limited--;
      const headers = { 'retry-after': String(retryAfter) };
      return request.path.startsWith('/api/') ? { status: 429, headers, body: { ok: false, error: 'ratelimited' } } : { status: 429, headers, body: 'rate_limited' };
    }
    if (request.path === '/api/chat.postMessage') return postMessage(request, failures.shift());
    return webhook(request);
  });
  return {
    ...server,
    rateLimit(count, seconds) {
      limited = count;
      retryAfter = seconds;
    },
    failNextPost(error) {
      failures.push(error);
    },
  };
}

function webhook(request: RecordedRequest): RecordingReply {
  if (request.method !== 'POST') return { status: 405, body: 'invalid_method' };
  if (request.path === SLACK_REVOKED_WEBHOOK_PATH) return { status: 403, body: 'action_prohibited' };
  if (request.path === SLACK_ARCHIVED_WEBHOOK_PATH) return { status: 410, body: 'channel_is_archived' };
  if (request.path !== SLACK_WEBHOOK_PATH) return { status: 404, body: 'no_service' };
  const body = request.json as { text?: unknown; blocks?: unknown } | undefined;
  if (!body || typeof body !== 'object' || !String(request.headers['content-type']).startsWith('application/json')) return { status: 400, body: 'invalid_payload' };
  if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return { status: 400, body: 'no_text' };
  return { status: 200, body: 'ok' };
}

function postMessage(request: RecordedRequest, failure: string | undefined): RecordingReply {
  const authorization = request.headers.authorization;
  if (!authorization) return { status: 200, body: { ok: false, error: 'not_authed' } };
  if (authorization !== `Bearer ${SLACK_BOT_TOKEN}`) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
  if (failure) return { status: 200, body: { ok: false, error: failure } };
  const body = (request.json ?? {}) as { channel?: unknown; text?: unknown; blocks?: unknown };
  if (typeof body.channel !== 'string' || !SLACK_CHANNELS.includes(body.channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
  if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return { status: 200, body: { ok: false, error: 'no_text' } };
  return { status: 200, body: { ok: true, channel: body.channel, ts: '1740823200.000100', message: { text: body.text } } };
}
