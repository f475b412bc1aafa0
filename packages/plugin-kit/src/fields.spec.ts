import { actionFor, defineDestination, defineSettings, validatePayload, validateSettings, type InferPayload, type InferSettings } from './index';

/** Compile-time equality: `expectType<Equal<A, B>>(true)` fails `npm run typecheck` when A and B differ. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value: T) => value;

const settings = defineSettings({
  apiKey: { type: 'string', label: 'API key', required: true, secret: true },
  region: { type: 'string', choices: [{ label: 'Europe', value: 'eu' }, { label: 'United States', value: 'us' }], default: 'eu' },
  batchSize: { type: 'integer', minimum: 1, maximum: 500 },
  headers: { type: 'object', format: 'http-headers' },
});

const fields = {
  email: { type: 'string', format: 'email', required: true },
  tags: { type: 'string', multiple: true, maximum: 20 },
  address: {
    type: 'object',
    properties: { city: { type: 'string', required: true }, zip: { type: 'string', minimum: 4, maximum: 10 } },
  },
  score: { type: 'number', minimum: 0, maximum: 1 },
  plan: { type: 'string', choices: ['free', 'pro'] },
  sentAt: { type: 'datetime' },
} as const;

describe('one field specification for settings and action fields', () => {
  it('types settings and payloads from the specification alone', async () => {
    expectType<Equal<InferSettings<typeof settings>, { apiKey: string; region: 'eu' | 'us'; batchSize?: number; headers?: Record<string, string> }>>(true);
    expectType<
      Equal<
        InferPayload<typeof fields>,
        { email: string; tags?: string[]; address?: { city: string; zip?: string }; score?: number; plan?: 'free' | 'pro'; sentAt?: string }
      >
    >(true);

    let seen: unknown;
    const upsert = actionFor(settings)({
      title: 'Upsert',
      fields,
      async perform({ payload, settings }) {
        // Each line fails typecheck if inference widened the types.
        const city: string | undefined = payload.address?.city;
        const region: 'eu' | 'us' = settings.region;
        seen = { city, region, email: payload.email.toLowerCase(), tags: payload.tags?.map((tag) => tag.toUpperCase()) };
      },
    });
    const destination = defineDestination({ name: 'crm', kitVersion: '^2.0.0', displayName: 'CRM', settings, actions: { upsert } });
    await destination.actions.upsert.perform({ payload: { email: 'ADA@example.com', tags: ['vip'], address: { city: 'Paris' } }, settings: { apiKey: 'k', region: 'us' } } as never);
    expect(seen).toEqual({ city: 'Paris', region: 'us', email: 'ada@example.com', tags: ['VIP'] });
  });

  it('validates choices (with labels), formats, bounds, lists and nested properties, listing every problem', () => {
    expect(validateSettings(settings, { apiKey: 'secret_value_1', region: 'asia', batchSize: 0, headers: { 'X-A': 'b' } })).toEqual([
      { path: 'settings.region', message: 'must be one of "eu", "us", got "asia"' },
      { path: 'settings.batchSize', message: 'must be at least 1, got 0' },
    ]);
    expect(validateSettings(settings, { apiKey: 12345678 })).toEqual([{ path: 'settings.apiKey', message: 'must be a string' }]);

    expect(
      validatePayload(fields, {
        email: 'not-an-address',
        tags: ['ok', 7, 'x'.repeat(21)],
        address: { zip: '12', country: 'FR' },
        score: 2,
        plan: 'gold',
        sentAt: 'yesterday',
      }),
    ).toEqual([
      { path: 'email', message: 'must be an e-mail address, got "not-an-address"' },
      { path: 'tags[1]', message: 'must be a string, got 7' },
      { path: 'tags[2]', message: `must be at most 20 characters long, got "${'x'.repeat(21)}"` },
      { path: 'address.city', message: 'is required' },
      { path: 'address.zip', message: 'must be at least 4 characters long, got "12"' },
      { path: 'address.country', message: 'is not a property of this object (properties: city, zip)' },
      { path: 'score', message: 'must be at most 1, got 2' },
      { path: 'plan', message: 'must be one of "free", "pro", got "gold"' },
      { path: 'sentAt', message: 'must be an ISO-8601 date-time such as 2025-03-01T10:00:00Z, got "yesterday"' },
    ]);
    expect(validatePayload(fields, { email: 'ada@example.com', tags: 'vip' })).toEqual([{ path: 'tags', message: 'must be a list, got "vip"' }]);
    expect(validatePayload(fields, { email: 'ada@example.com', tags: ['vip'], address: { city: 'Paris', zip: '75001' }, plan: 'pro' })).toEqual([]);
  });
});
