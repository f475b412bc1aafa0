import { actionFor, defineDestination, defineSettings, PermanentError, RetryableError, type FieldSpecs, type InferPayload, type InferSettings, type RequestResponse } from '@itinera/plugin-kit';

const settings = defineSettings({
  apiKey: { type: 'string', required: true, secret: true, description: 'An API key (SG.…) with the Mail Send permission.' },
  fromEmail: { type: 'string', format: 'email', required: true, description: 'A verified sender address.' },
  fromName: { type: 'string', description: 'The sender name shown to recipients.' },
  apiUrl: { type: 'string', format: 'uri', default: 'https://api.sendgrid.com', description: 'The API base URL (https://api.eu.sendgrid.com for EU data residency).' },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
});

const emailFields = {
  to: { type: 'string', required: true, description: 'Recipient address.', default: { '@path': '$.traits.email' } },
  toName: { type: 'string', description: 'Recipient name.', default: { '@path': '$.traits.first_name' } },
  templateId: { type: 'string', description: 'A dynamic template ID (d-…); its subject and content are used.' },
  dynamicTemplateData: { type: 'object', description: 'The template’s {{variables}}, e.g. { "first_name": …, "cart": … }.' },
  subject: { type: 'string', description: 'Subject, when no template gives one.' },
  text: { type: 'string', description: 'Plain-text content, when no template is used.' },
  html: { type: 'string', description: 'HTML content, when no template is used.' },
  replyTo: { type: 'string', description: 'Reply-To address.' },
  categories: { type: 'array', description: 'Up to 10 category names, for SendGrid statistics.' },
} as const satisfies FieldSpecs;

export type SendGridSettings = InferSettings<typeof settings>;
export type SendEmailPayload = InferPayload<typeof emailFields>;

/** The body of `POST /v3/mail/send` (docs.sendgrid.com/api-reference/mail-send/mail-send). */
export function mailSendBody(payload: SendEmailPayload, settings: SendGridSettings, idempotencyKey: string): Record<string, unknown> {
  const content = [
    payload.text !== undefined && { type: 'text/plain', value: payload.text },
    payload.html !== undefined && { type: 'text/html', value: payload.html },
  ].filter(Boolean);
  return {
    personalizations: [
      {
        to: [{ email: payload.to, name: payload.toName }],
        dynamic_template_data: payload.dynamicTemplateData,
        // Shown with every event SendGrid reports for this message, so they can be matched to the delivery.
        custom_args: { itinera_idempotency_key: idempotencyKey },
      },
    ],
    from: { email: settings.fromEmail, name: settings.fromName },
    reply_to: payload.replyTo === undefined ? undefined : { email: payload.replyTo },
    template_id: payload.templateId,
    subject: payload.subject,
    content: content.length > 0 ? content : undefined,
    categories: payload.categories,
  };
}

const sendEmail = actionFor(settings)({
  title: 'Send an email',
  description: 'Sends one email through the v3 Mail Send API: a dynamic template with its data, or a subject with text and/or HTML.',
  fields: emailFields,
  async perform({ payload, settings, idempotencyKey, request }) {
    if (payload.templateId === undefined && (payload.subject === undefined || (payload.text === undefined && payload.html === undefined))) {
      throw new PermanentError('map templateId, or subject with text or html: SendGrid would refuse an email without content');
    }
    const response = await request(`${settings.apiUrl.replace(/\/+$/, '')}/v3/mail/send`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${settings.apiKey}` },
      json: mailSendBody(payload, settings, idempotencyKey),
      timeoutMs: settings.timeoutMs,
      redirect: 'error',
      throwHttpErrors: false,
    });
    if (response.status >= 200 && response.status < 300) return { status: response.status, response: { messageId: response.headers['x-message-id'] } };
    throw mailSendError(response);
  },
});

/**
 * 202 is success. 429 is retried when the limit resets (SendGrid sends `X-RateLimit-Reset`, in epoch
 * seconds, not Retry-After), 408 and 5xx are retried; 400 (its `errors` array explains what is wrong), 401,
 * 403 and 413 need the settings or the mapping changed.
 */
export function mailSendError(response: RequestResponse, now = Date.now()): Error {
  const errors = (response.body as { errors?: { message?: string; field?: string | null }[] } | undefined)?.errors;
  const reasons = Array.isArray(errors) ? errors.map((e) => (e.field ? `${e.message} (${e.field})` : e.message)).join('; ') : undefined;
  const message = `SendGrid answered HTTP ${response.status}${reasons ? `: ${reasons}` : ''}`;
  if (response.status === 429) {
    const reset = Number(response.headers['x-ratelimit-reset']);
    return new RetryableError(message, { status: 429, retryAfterMs: Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined });
  }
  if (response.status === 408 || response.status >= 500) return new RetryableError(message, { status: response.status });
  return new PermanentError(message, { status: response.status });
}

export default defineDestination({
  name: 'sendgrid',
  kitVersion: '^2.0.0',
  displayName: 'SendGrid',
  description: 'Sends email through the SendGrid v3 Mail Send API, with dynamic template data from the journey.',
  settings,
  actions: { sendEmail },
});
