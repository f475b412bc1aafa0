import { actionFor, defineDestination, defineSettings, PermanentError, RetryableError, type FieldSpecs, type InferPayload, type InferSettings, type RequestResponse } from '@itinera/plugin-kit';

const settings = defineSettings({
  accountSid: { type: 'string', required: true, description: 'The account SID (AC…).' },
  authToken: { type: 'string', required: true, secret: true, description: 'The account’s auth token.' },
  from: { type: 'string', description: 'The sending number in E.164 (+15017122661); not needed with a Messaging Service.' },
  messagingServiceSid: { type: 'string', description: 'A Messaging Service SID (MG…), used instead of from.' },
  apiUrl: { type: 'string', format: 'uri', default: 'https://api.twilio.com', description: 'The API base URL.' },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
});

const smsFields = {
  to: { type: 'string', required: true, description: 'The recipient in E.164, e.g. +33612345678.', default: { '@path': '$.traits.phone' } },
  body: { type: 'string', required: true, description: 'The text, up to 1600 characters.' },
  statusCallback: { type: 'string', description: 'A URL Twilio calls with the message’s delivery status.' },
} as const satisfies FieldSpecs;

export type TwilioSettings = InferSettings<typeof settings>;
export type SendSmsPayload = InferPayload<typeof smsFields>;

/** The form fields of `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (twilio.com/docs/messaging/api/message-resource). */
export function messageForm(payload: SendSmsPayload, settings: TwilioSettings): Record<string, string | undefined> {
  return {
    To: payload.to,
    Body: payload.body,
    ...(settings.messagingServiceSid ? { MessagingServiceSid: settings.messagingServiceSid } : { From: settings.from }),
    StatusCallback: payload.statusCallback,
  };
}

const sendSms = actionFor(settings)({
  title: 'Send an SMS',
  description: 'Creates one Message: an SMS from the configured number or Messaging Service.',
  fields: smsFields,
  async perform({ payload, settings, request }) {
    if (!settings.from && !settings.messagingServiceSid) throw new PermanentError('set settings.from or settings.messagingServiceSid: Twilio needs a sender');
    const url = `${settings.apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
    const response = await request<{ sid?: string; status?: string }>(url, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}` },
      form: messageForm(payload, settings),
      timeoutMs: settings.timeoutMs,
      redirect: 'error',
      throwHttpErrors: false,
    });
    if (response.status >= 200 && response.status < 300) return { status: response.status, response: { sid: response.body?.sid, status: response.body?.status } };
    throw twilioError(response);
  },
});

/**
 * 201 is success. Twilio explains a refusal as `{ code, message, more_info, status }`: 400 (an invalid `To`,
 * 21211; an unverified number, 21608…), 401 (20003: wrong SID or token) and 404 are permanent; 429 (20429,
 * with Retry-After when given), 408 and 5xx are retried.
 */
export function twilioError(response: RequestResponse): Error {
  const body = response.body as { code?: number; message?: string } | undefined;
  const detail = body && typeof body === 'object' && body.message ? `: ${body.message}${body.code ? ` (Twilio error ${body.code})` : ''}` : '';
  const message = `Twilio answered HTTP ${response.status}${detail}`;
  if (response.status === 429 || response.status === 408 || response.status >= 500) {
    const retryAfter = response.headers['retry-after'];
    return new RetryableError(message, { status: response.status, retryAfterMs: retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined });
  }
  return new PermanentError(message, { status: response.status });
}

export default defineDestination({
  name: 'twilio',
  kitVersion: '^2.0.0',
  displayName: 'Twilio SMS',
  description: 'Sends SMS through the Twilio Messages API.',
  settings,
  actions: { sendSms },
});
