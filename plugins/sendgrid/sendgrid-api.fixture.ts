/**
 * A local stand-in for SendGrid's v3 Mail Send API (docs.sendgrid.com/api-reference/mail-send/mail-send):
 * `POST /v3/mail/send` with `Authorization: Bearer <key>` answers 202 with an empty body and `X-Message-Id`;
 * 400 with `{ errors: [{ message, field, help }] }` for a body it refuses; 401 for a missing or unknown key,
 * 403 for a key without the Mail Send permission; 429 with `X-RateLimit-Reset` (epoch seconds) when limited.
 */
import { startRecordingServer, type RecordedRequest, type RecordingReply, type RecordingServer } from '@itinera/plugin-kit/testing';

export const SENDGRID_API_KEY = 'SG.test-key.mail-send';
export const SENDGRID_READ_ONLY_KEY = 'SG.test-key.read-only';
export const SENDGRID_VERIFIED_SENDER = 'journeys@example.com';

export interface FakeSendGrid extends RecordingServer {
  /** The next `count` requests answer 429, the limit resetting `resetInSeconds` from now. */
  rateLimit(count: number, resetInSeconds: number): void;
}

export async function startFakeSendGrid(): Promise<FakeSendGrid> {
  const server = await startRecordingServer();
  let limited = 0;
  let resetIn = 0;
  server.replyWith((request) => {
    if (limited > 0) {
      limited--;
      const reset = String(Math.ceil(Date.now() / 1000) + resetIn);
      return { status: 429, headers: { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, body: errors(['too many requests']) };
    }
    return mailSend(request);
  });
  return {
    ...server,
    rateLimit(count, seconds) {
      limited = count;
      resetIn = seconds;
    },
  };
}

const errors = (messages: string[], field: string | null = null) => ({ errors: messages.map((message) => ({ message, field, help: null })) });

function mailSend(request: RecordedRequest): RecordingReply {
  if (request.method !== 'POST' || request.path !== '/v3/mail/send') return { status: 404, body: errors(['not found']) };
  const authorization = request.headers.authorization;
  if (authorization === `Bearer ${SENDGRID_READ_ONLY_KEY}`) return { status: 403, body: errors(['access forbidden']) };
  if (authorization !== `Bearer ${SENDGRID_API_KEY}`) return { status: 401, body: errors(['The provided authorization grant is invalid, expired, or revoked']) };
  const body = request.json as Record<string, any> | undefined;
  if (!body) return { status: 400, body: errors(['Bad Request'], null) };
  const problems: { message: string; field: string }[] = [];
  const personalizations = body.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0) problems.push({ message: 'The personalizations field is required and must have at least one personalization.', field: 'personalizations' });
  for (const [i, p] of (Array.isArray(personalizations) ? personalizations : []).entries()) {
    for (const [j, to] of (Array.isArray(p?.to) ? p.to : []).entries()) {
      if (typeof to?.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(to.email)) {
        problems.push({ message: 'Does not contain a valid address.', field: `personalizations.${i}.to.${j}.email` });
      }
    }
  }
  if (body.from?.email !== SENDGRID_VERIFIED_SENDER) problems.push({ message: 'The from address does not match a verified Sender Identity.', field: 'from' });
  if (body.template_id === undefined) {
    if (typeof body.subject !== 'string') problems.push({ message: 'The subject is required.', field: 'subject' });
    if (!Array.isArray(body.content) || body.content.length === 0) problems.push({ message: 'Unless a valid template_id is provided, the content parameter is required.', field: 'content' });
  } else if (!/^d-[0-9a-f]{32}$/.test(String(body.template_id))) {
    problems.push({ message: 'The template_id must be a valid dynamic template ID.', field: 'template_id' });
  }
  if (problems.length > 0) return { status: 400, body: { errors: problems.map((p) => ({ ...p, help: null })) } };
  return { status: 202, headers: { 'x-message-id': 'fake-message-id-0001' } };
}
