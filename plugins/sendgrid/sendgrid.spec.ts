import { PermanentError, RetryableError } from '@itinera/plugin-kit';
import { allowLoopbackDestinations, runAction } from '@itinera/plugin-kit/testing';
import sendgrid from './index';
import { SENDGRID_API_KEY, SENDGRID_READ_ONLY_KEY, SENDGRID_VERIFIED_SENDER, startFakeSendGrid, type FakeSendGrid } from './sendgrid-api.fixture';

const TEMPLATE_ID = 'd-0123456789abcdef0123456789abcdef';

describe('sendgrid destination', () => {
  beforeAll(allowLoopbackDestinations);
  let fake: FakeSendGrid;
  beforeEach(async () => {
    fake = await startFakeSendGrid();
  });
  afterEach(() => fake.close());

  const send = (mapping: unknown = { templateId: TEMPLATE_ID }, settings: Record<string, unknown> = {}) =>
    runAction(sendgrid, 'sendEmail', {
      settings: { apiKey: SENDGRID_API_KEY, fromEmail: SENDGRID_VERIFIED_SENDER, fromName: 'Itinera', apiUrl: fake.url, ...settings },
      mapping,
      idempotencyKey: 'instance-88-1234:send_email:1',
    });

  it('sends a dynamic template with its data to /v3/mail/send with the API key, and reports the message id of the 202', async () => {
    const result = await send({
      templateId: TEMPLATE_ID,
      dynamicTemplateData: { first_name: { '@template': '{{traits.first_name | default: "there"}}' }, application: { '@path': '$.entry.properties.Application_id' } },
      categories: ['nudge'],
    });
    expect(result).toEqual({ status: 202, response: { messageId: 'fake-message-id-0001' } });
    const request = fake.requests[0];
    expect(request).toMatchObject({ method: 'POST', path: '/v3/mail/send' });
    expect(request.headers.authorization).toBe(`Bearer ${SENDGRID_API_KEY}`);
    expect(request.json).toEqual({
      personalizations: [
        {
          to: [{ email: 'ada@example.com', name: 'Ada' }],
          dynamic_template_data: { first_name: 'Ada', application: '1234' },
          custom_args: { itinera_idempotency_key: 'instance-88-1234:send_email:1' },
        },
      ],
      from: { email: SENDGRID_VERIFIED_SENDER, name: 'Itinera' },
      template_id: TEMPLATE_ID,
      categories: ['nudge'],
    });
  });

  it('sends a subject with text and HTML content when no template is mapped', async () => {
    await send({ subject: 'Your application', text: 'Hi Ada', html: '<p>Hi Ada</p>', replyTo: 'help@example.com' });
    expect(fake.requests[0].json).toMatchObject({
      subject: 'Your application',
      content: [
        { type: 'text/plain', value: 'Hi Ada' },
        { type: 'text/html', value: '<p>Hi Ada</p>' },
      ],
      reply_to: { email: 'help@example.com' },
    });
  });

  it('refuses, without sending, an email with neither template nor content', async () => {
    await expect(send({ subject: 'Only a subject' })).rejects.toThrow(new PermanentError('map templateId, or subject with text or html: SendGrid would refuse an email without content'));
    expect(fake.requests).toHaveLength(0);
  });

  it('fails permanently on 400, naming every error SendGrid listed with its field', async () => {
    const error = await send({ templateId: 'not-a-template', to: 'not-an-address' }, { fromEmail: 'unverified@example.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 400 });
    expect((error as Error).message).toBe(
      'SendGrid answered HTTP 400: Does not contain a valid address. (personalizations.0.to.0.email); The from address does not match a verified Sender Identity. (from); The template_id must be a valid dynamic template ID. (template_id)',
    );
  });

  it.each([
    ['an unknown key (401)', 'SG.unknown', 401],
    ['a key without Mail Send (403)', SENDGRID_READ_ONLY_KEY, 403],
  ])('fails permanently for %s', async (_case, apiKey, status) => {
    const error = await send(undefined, { apiKey }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status });
  });

  it('retries a 429 when the rate limit resets (X-RateLimit-Reset)', async () => {
    fake.rateLimit(1, 20);
    const error = await send().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ status: 429, message: 'SendGrid answered HTTP 429: too many requests' });
    expect((error as RetryableError).retryAfterMs).toBeGreaterThan(18_000);
    expect((error as RetryableError).retryAfterMs).toBeLessThanOrEqual(21_000);
    await expect(send()).resolves.toMatchObject({ status: 202 });
  });

  it('retries a 5xx', async () => {
    fake.replyWith({ status: 503, body: { errors: [{ message: 'service unavailable' }] } });
    await expect(send()).rejects.toBeInstanceOf(RetryableError);
  });
});
