/**
 * A local stand-in for Twilio's Messages API (twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP basic auth (SID:token) and a form-encoded
 * body (`To`, `Body`, and `From` or `MessagingServiceSid`) answers 201 with the Message resource; 400 with
 * `{ code, message, more_info, status }` for a bad parameter; 401 (code 20003) for bad credentials; 404 for
 * another account's SID; 429 (code 20429) with Retry-After when too many requests are queued.
 */
import { startRecordingServer, type RecordedRequest, type RecordingReply, type RecordingServer } from '@itinera/plugin-kit/testing';

export const TWILIO_ACCOUNT_SID = 'AC00000000000000000000000000000001';
export const TWILIO_AUTH_TOKEN = 'twilio-test-auth-token';
export const TWILIO_FROM = '+15017122661';
export const TWILIO_MESSAGING_SERVICE = 'MG00000000000000000000000000000001';

export interface FakeTwilio extends RecordingServer {
  /** The next `count` requests answer 429 with `Retry-After: <seconds>`. */
  rateLimit(count: number, retryAfterSeconds: number): void;
  /** The form of a recorded request. */
  formOf(request: RecordedRequest): Record<string, string>;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const server = await startRecordingServer();
  let limited = 0;
  let retryAfter = 0;
  let created = 0;
  server.replyWith((request) => {
    if (limited > 0) {
      limited--;
      return { status: 429, headers: { 'retry-after': String(retryAfter) }, body: problem(429, 20429, 'Too Many Requests') };
    }
    return createMessage(request, ++created);
  });
  return {
    ...server,
    rateLimit(count, seconds) {
      limited = count;
      retryAfter = seconds;
    },
    formOf: (request) => Object.fromEntries(new URLSearchParams(request.rawBody)),
  };
}

const problem = (status: number, code: number, message: string) => ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

function createMessage(request: RecordedRequest, sequence: number): RecordingReply {
  const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.path);
  if (request.method !== 'POST' || !match) return { status: 404, body: problem(404, 20404, 'The requested resource was not found') };
  const expected = `Basic ${Buffer.from(`${TWILIO_ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64')}`;
  if (request.headers.authorization !== expected) return { status: 401, body: problem(401, 20003, 'Authenticate') };
  if (match[1] !== TWILIO_ACCOUNT_SID) return { status: 404, body: problem(404, 20404, `The requested resource /2010-04-01/Accounts/${match[1]}/Messages.json was not found`) };
  if (request.headers['content-type'] !== 'application/x-www-form-urlencoded') return { status: 400, body: problem(400, 20001, 'Missing required parameter To in the post body') };
  const form = Object.fromEntries(new URLSearchParams(request.rawBody));
  if (!form.To) return { status: 400, body: problem(400, 21604, "A 'To' phone number is required.") };
  if (!/^\+[1-9]\d{6,14}$/.test(form.To)) return { status: 400, body: problem(400, 21211, `The 'To' number ${form.To} is not a valid phone number.`) };
  if (!form.Body) return { status: 400, body: problem(400, 21602, 'Message body is required.') };
  if (form.MessagingServiceSid ? form.MessagingServiceSid !== TWILIO_MESSAGING_SERVICE : form.From !== TWILIO_FROM) {
    return { status: 400, body: problem(400, 21606, `The From phone number ${form.From ?? form.MessagingServiceSid} is not a valid, SMS-capable inbound phone number or short code for your account.`) };
  }
  const sid = `SM${String(sequence).padStart(32, '0')}`;
  return { status: 201, body: { sid, account_sid: TWILIO_ACCOUNT_SID, to: form.To, from: form.From ?? null, messaging_service_sid: form.MessagingServiceSid ?? null, body: form.Body, status: 'queued' } };
}
