import { PermanentError, RetryableError } from '@itinera/plugin-kit';
import { allowLoopbackDestinations, runAction } from '@itinera/plugin-kit/testing';
import twilio from './index';
import { startFakeTwilio, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM, TWILIO_MESSAGING_SERVICE, type FakeTwilio } from './twilio-api.fixture';

describe('twilio destination', () => {
  beforeAll(allowLoopbackDestinations);
  let fake: FakeTwilio;
  beforeEach(async () => {
    fake = await startFakeTwilio();
  });
  afterEach(() => fake.close());

  const context = (phone: unknown) => ({
    userId: '88',
    journey: { id: 'j', name: 'Application nudge', version: 1 },
    instance: { id: 'i', enteredAt: '2025-03-01T10:00:00Z' },
    entry: { event: 'Application_Started', properties: { Application_id: '1234' }, timestamp: '2025-03-01T10:00:00Z', messageId: 'm' },
    events: {},
    traits: { first_name: 'Ada', phone },
  });
  const send = (settings: Record<string, unknown> = {}, phone: unknown = '+33612345678') =>
    runAction(twilio, 'sendSms', {
      settings: { accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN, from: TWILIO_FROM, apiUrl: fake.url, ...settings },
      mapping: { body: { '@template': 'Hi {{traits.first_name}}, application {{entry.properties.Application_id}} is waiting & ready' } },
      context: context(phone),
    });

  it('POSTs a form-encoded To/From/Body to the account’s Messages.json with basic auth, and reports the 201’s sid', async () => {
    const result = await send();
    expect(result).toEqual({ status: 201, response: { sid: 'SM00000000000000000000000000000001', status: 'queued' } });
    const request = fake.requests[0];
    expect(request).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages.json` });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${TWILIO_ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64')}`);
    expect(fake.formOf(request)).toEqual({ To: '+33612345678', From: TWILIO_FROM, Body: 'Hi Ada, application 1234 is waiting & ready' });
  });

  it('sends MessagingServiceSid instead of From when a Messaging Service is set', async () => {
    await send({ messagingServiceSid: TWILIO_MESSAGING_SERVICE });
    expect(fake.formOf(fake.requests[0])).toEqual({ To: '+33612345678', MessagingServiceSid: TWILIO_MESSAGING_SERVICE, Body: expect.any(String) });
  });

  it('refuses, without sending, when there is no sender', async () => {
    await expect(send({ from: undefined })).rejects.toThrow(new PermanentError('set settings.from or settings.messagingServiceSid: Twilio needs a sender'));
    expect(fake.requests).toHaveLength(0);
  });

  it('fails permanently on 400 with Twilio’s code and message', async () => {
    const error = await send({}, '0612345678').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 400, message: "Twilio answered HTTP 400: The 'To' number 0612345678 is not a valid phone number. (Twilio error 21211)" });
  });

  it('fails permanently on 401 for a wrong auth token, without showing the token', async () => {
    const error = (await send({ authToken: 'wrong-token' }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 401, message: 'Twilio answered HTTP 401: Authenticate (Twilio error 20003)' });
  });

  it('fails permanently when the user has no phone trait (the payload lacks "to")', async () => {
    await expect(send({}, null)).rejects.toThrow(/to is required/);
    expect(fake.requests).toHaveLength(0);
  });

  it('retries a 429 after its Retry-After', async () => {
    fake.rateLimit(1, 7);
    const error = await send().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 7000, message: 'Twilio answered HTTP 429: Too Many Requests (Twilio error 20429)' });
    await expect(send()).resolves.toMatchObject({ status: 201 });
  });

  it('retries a 5xx', async () => {
    fake.replyWith({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    await expect(send()).rejects.toBeInstanceOf(RetryableError);
  });
});
