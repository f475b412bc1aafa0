import { PermanentError, RetryableError } from '@itinera/plugin-kit';
import { allowLoopbackDestinations, runAction, startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import httpRequest, { expandPath, requestUrl } from './index';

describe('http-request destination', () => {
  beforeAll(allowLoopbackDestinations);
  let api: RecordingServer;
  beforeEach(async () => {
    api = await startRecordingServer();
  });
  afterEach(() => api.close());

  const call = (mapping: unknown, settings: Record<string, unknown> = {}) =>
    runAction(httpRequest, 'sendRequest', { settings: { baseUrl: `${api.url}/v2`, ...settings }, mapping, idempotencyKey: 'instance-88-1234:call_crm:1' });

  it('sends the method to the path template below the base URL, with query, headers and a JSON body from the mapping', async () => {
    api.replyWith({ status: 201, body: { id: 'contact-9' } });
    const result = await call(
      {
        method: 'PATCH',
        path: '/contacts/{id}/applications/{application}',
        pathParams: { id: { '@path': '$.userId' }, application: { '@path': '$.entry.properties.Application_id' } },
        query: { notify: true, tag: ['vip', 'nudge'] },
        headers: { 'X-Journey': { '@path': '$.journey.name' } },
        body: { email: { '@path': '$.traits.email' }, tier: { '@case': { operator: 'lower', value: { '@path': '$.entry.properties.Tier' } } } },
      },
      { headers: { Authorization: 'Bearer crm-token' } },
    );
    expect(result).toEqual({ status: 201, response: { id: 'contact-9' } });
    const request = api.requests[0];
    expect(request.method).toBe('PATCH');
    expect(request.path).toBe('/v2/contacts/88/applications/1234?notify=true&tag=vip&tag=nudge');
    expect(request.headers).toMatchObject({ authorization: 'Bearer crm-token', 'x-journey': 'Application nudge', 'idempotency-key': 'instance-88-1234:call_crm:1' });
    expect(request.json).toEqual({ email: 'ada@example.com', tier: 'premium' });
  });

  it('POSTs the entry event’s properties as JSON when the mapping gives nothing', async () => {
    await call({});
    expect(api.requests[0]).toMatchObject({ method: 'POST', path: '/v2', json: { Application_id: '1234', Tier: 'Premium' } });
  });

  it('sends a form-encoded body when asked', async () => {
    await call({ bodyFormat: 'form', body: { email: { '@path': '$.traits.email' }, meta: { a: 1 } } });
    expect(api.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(api.requests[0].rawBody))).toEqual({ email: 'ada@example.com', meta: '{"a":1}' });
  });

  it('sends no body with GET', async () => {
    await call({ method: 'GET', path: '/contacts/{id}', pathParams: { id: '88' } });
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/v2/contacts/88', rawBody: '' });
  });

  it('lets the settings’ headers win over mapped ones, so a mapping cannot replace the credentials', async () => {
    await call({ headers: { authorization: 'Bearer forged' } }, { headers: { Authorization: 'Bearer crm-token' } });
    expect(api.requests[0].headers.authorization).toBe('Bearer crm-token');
  });

  it('encodes path parameters so a value stays one segment', () => {
    expect(expandPath('/contacts/{id}', { id: 'a/b?c=1#d' })).toBe('/contacts/a%2Fb%3Fc%3D1%23d');
    expect(() => expandPath('/contacts/{id}', {})).toThrow(new PermanentError('path "/contacts/{id}" needs pathParams.id, a string or number; the mapping gave undefined'));
  });

  it('refuses paths that leave the base URL', () => {
    expect(requestUrl('https://api.example.com/v2', '/contacts')).toBe('https://api.example.com/v2/contacts');
    expect(() => requestUrl('https://api.example.com/v2', '//evil.example/x')).not.toThrow();
    expect(requestUrl('https://api.example.com/v2', '//evil.example/x')).toBe('https://api.example.com/v2/evil.example/x');
    expect(() => requestUrl('https://api.example.com/v2', '../admin')).toThrow(/leads outside https:\/\/api.example.com\/v2\//);
    expect(() => requestUrl('https://api.example.com/v2', 'https://evil.example/')).toThrow(PermanentError);
  });

  it('fails permanently on a 4xx, and retries a 429 after its Retry-After and a 5xx', async () => {
    api.replyWith({ status: 422, body: { error: 'email is taken' } });
    await expect(call({})).rejects.toBeInstanceOf(PermanentError);
    api.replyWith({ status: 429, headers: { 'retry-after': '12' }, body: { error: 'slow down' } });
    await expect(call({})).rejects.toMatchObject({ name: 'RetryableError', status: 429, retryAfterMs: 12_000 });
    api.replyWith({ status: 502, body: 'bad gateway' });
    await expect(call({})).rejects.toBeInstanceOf(RetryableError);
  });
});
