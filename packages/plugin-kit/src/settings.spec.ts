import type { SettingsSchema } from './destination';
import { applySettingDefaults, redactSettings, validateSettings } from './settings';

const schema: SettingsSchema = {
  url: { type: 'string', format: 'uri', required: true },
  method: { type: 'string', enum: ['POST', 'PUT'], default: 'POST' },
  headers: { type: 'object' },
  secret: { type: 'string', secret: true },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000 },
  ratio: { type: 'number' },
  verbose: { type: 'boolean' },
  tags: { type: 'array', default: ['journeys'] },
};

describe('validateSettings', () => {
  it('accepts complete settings and leaves settings with defaults optional', () => {
    expect(validateSettings(schema, { url: 'https://example.com/hooks/itinera' })).toEqual([]);
    expect(
      validateSettings(schema, {
        url: 'http://127.0.0.1:3000/hook',
        method: 'PUT',
        headers: { 'X-Team': 'growth' },
        secret: 's3cret',
        timeoutMs: 300,
        ratio: 0.5,
        verbose: true,
        tags: [],
      }),
    ).toEqual([]);
  });

  it('lists every problem, each with its settings.<name> path', () => {
    expect(
      validateSettings(schema, {
        method: 'GET',
        headers: ['X-Team: growth'],
        timeoutMs: 1.5,
        ratio: '0.5',
        verbose: 'yes',
        tags: 'journeys',
        retries: 3,
      }),
    ).toEqual([
      { path: 'settings.url', message: 'is required' },
      { path: 'settings.method', message: 'must be one of "POST", "PUT", got "GET"' },
      { path: 'settings.headers', message: 'must be an object, got an array' },
      { path: 'settings.timeoutMs', message: 'must be an integer, got 1.5' },
      { path: 'settings.ratio', message: 'must be a number, got "0.5"' },
      { path: 'settings.verbose', message: 'must be true or false, got "yes"' },
      { path: 'settings.tags', message: 'must be an array, got "journeys"' },
      { path: 'settings.retries', message: 'is not a setting of this destination' },
    ]);
  });

  it.each(['example.com/hook', '/hooks/itinera', 'ftp://example.com/file', 'mailto:ops@example.com', 'http://'])(
    'rejects %j as a uri',
    (url) => {
      expect(validateSettings(schema, { url })).toEqual([
        { path: 'settings.url', message: `must be an absolute http(s) URL such as https://example.com/hook, got ${JSON.stringify(url)}` },
      ]);
    },
  );

  it('enforces minimum and maximum on numbers', () => {
    expect(validateSettings(schema, { url: 'https://example.com', timeoutMs: 0 })).toEqual([
      { path: 'settings.timeoutMs', message: 'must be at least 1, got 0' },
    ]);
    expect(validateSettings(schema, { url: 'https://example.com', timeoutMs: 600000 })).toEqual([
      { path: 'settings.timeoutMs', message: 'must be at most 60000, got 600000' },
    ]);
  });

  it('never echoes the value of a secret setting', () => {
    expect(validateSettings(schema, { url: 'https://example.com', secret: 123456 })).toEqual([
      { path: 'settings.secret', message: 'must be a string' },
    ]);
  });

  it('treats null as absent', () => {
    expect(validateSettings(schema, { url: null, method: null })).toEqual([{ path: 'settings.url', message: 'is required' }]);
  });

  it('reports settings that are not an object at all', () => {
    expect(validateSettings(schema, 'https://example.com')).toEqual([{ path: 'settings', message: 'must be an object, got "https://example.com"' }]);
  });

  it('does not mistake inherited names such as constructor for settings', () => {
    expect(validateSettings(schema, JSON.parse('{"url": "https://example.com", "constructor": 1}'))).toEqual([
      { path: 'settings.constructor', message: 'is not a setting of this destination' },
    ]);
  });
});

describe('applySettingDefaults', () => {
  it('fills absent and null settings with their defaults and keeps given ones', () => {
    expect(applySettingDefaults(schema, { url: 'https://example.com', method: null, timeoutMs: 300 })).toEqual({
      url: 'https://example.com',
      method: 'POST',
      timeoutMs: 300,
      tags: ['journeys'],
    });
  });

  it('gives each destination its own copy of an object default', () => {
    const first = applySettingDefaults(schema, {}) as { tags: string[] };
    first.tags.push('changed');
    expect(applySettingDefaults(schema, {})).toMatchObject({ tags: ['journeys'] });
  });
});

describe('redactSettings', () => {
  it('drops secret and undeclared settings and keeps the rest', () => {
    expect(redactSettings(schema, { url: 'https://example.com', secret: 's3cret', timeoutMs: 300, stray: 'x' })).toEqual({
      url: 'https://example.com',
      timeoutMs: 300,
    });
  });
});

describe('validateSettings with format http-headers', () => {
  const headerSchema = { headers: { type: 'object' as const, format: 'http-headers' as const, secret: true } };

  it('accepts headers that can be sent', () => {
    expect(validateSettings(headerSchema, { headers: { Authorization: 'Bearer abc', 'X-Tenant': 'café', 'X-Empty': '' } })).toEqual([]);
  });

  it.each([
    [{ 'X-Token': 'a\r\nInjected: yes' }, 'header X-Token has a value with a control character (such as a line break or NUL), which cannot be sent'],
    [{ 'X-Token': 'a\u0000b' }, 'header X-Token has a value with a control character (such as a line break or NUL), which cannot be sent'],
    [{ 'X-Token': 'snow ☃' }, 'header X-Token has a value with a control character (such as a line break or NUL), which cannot be sent'],
    [{ 'Bad Name': 'x' }, 'has a header name that cannot be sent: "Bad Name"'],
    [{ 'X-Count': 3 }, 'header X-Count must be a string'],
  ])('refuses %j without echoing the value', (headers, message) => {
    expect(validateSettings(headerSchema, { headers })).toEqual([{ path: 'settings.headers', message }]);
  });
});
