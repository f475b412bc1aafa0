import type { ActionField } from './destination';
import { applyFieldDefaults, buildPayload, validatePayload } from './payload';
import { sampleJourneyContext } from './testing';

const fields: Record<string, ActionField> = {
  userId: { type: 'string', required: true, default: { '@path': '$.userId' } },
  event: { type: 'string', required: true },
  properties: { type: 'object' },
  timestamp: { type: 'datetime' },
  count: { type: 'integer' },
  score: { type: 'number' },
  vip: { type: 'boolean' },
  tags: { type: 'array' },
  channel: { type: 'string', enum: ['email', 'sms'] },
};

describe('validatePayload', () => {
  it('accepts a payload whose fields all have the declared types', () => {
    expect(
      validatePayload(fields, {
        userId: '88',
        event: 'Application Nudge Sent',
        properties: { Application_id: '1234' },
        timestamp: '2025-03-01T12:00:00.000Z',
        count: 2,
        score: 0.5,
        vip: true,
        tags: ['a'],
        channel: 'email',
      }),
    ).toEqual([]);
  });

  it('lists every problem, each at its field path', () => {
    expect(
      validatePayload(fields, {
        properties: 'Application_id=1234',
        timestamp: 'yesterday',
        count: 2.5,
        score: Number.POSITIVE_INFINITY,
        vip: 'true',
        tags: { a: 1 },
        channel: 'pigeon',
        email: 'ada@example.com',
      }),
    ).toEqual([
      { path: 'userId', message: 'is required' },
      { path: 'event', message: 'is required' },
      { path: 'properties', message: 'must be an object, got "Application_id=1234"' },
      { path: 'timestamp', message: 'must be an ISO-8601 date-time such as 2025-03-01T10:00:00Z, got "yesterday"' },
      { path: 'count', message: 'must be an integer, got 2.5' },
      { path: 'score', message: 'must be a number, got Infinity' },
      { path: 'vip', message: 'must be true or false, got "true"' },
      { path: 'tags', message: 'must be an array, got an object' },
      { path: 'channel', message: 'must be one of "email", "sms", got "pigeon"' },
      { path: 'email', message: expect.stringMatching(/^is not a field of this action \(fields: userId, event, /) },
    ]);
  });

  it.each(['2025-03-01', '2025-03-01T10:00Z', '2025-03-01T10:00:00+02:00', '2025-03-01T10:00:00.123Z'])('accepts the datetime %j', (timestamp) => {
    expect(validatePayload(fields, { userId: '88', event: 'E', timestamp })).toEqual([]);
  });

  it.each(['2025-03-01T10:00:00', '03/01/2025', '2025-13-45T10:00:00Z'])('rejects the datetime %j', (timestamp) => {
    expect(validatePayload(fields, { userId: '88', event: 'E', timestamp })).toHaveLength(1);
  });

  it('treats null as absent: fine when optional, missing when required', () => {
    expect(validatePayload(fields, { userId: null, event: 'E', properties: null })).toEqual([{ path: 'userId', message: 'is required' }]);
  });

  it('reports a payload that is not an object at its root', () => {
    expect(validatePayload(fields, ['88'])).toEqual([{ path: '', message: "must be an object whose keys are the action's fields, got an array" }]);
  });
});

describe('applyFieldDefaults', () => {
  it('adds the default mapping of each field the mapping leaves out', () => {
    expect(applyFieldDefaults(fields, { event: 'Application Nudge Sent' })).toEqual({
      event: 'Application Nudge Sent',
      userId: { '@path': '$.userId' },
    });
  });

  it('keeps a field the mapping sets, even to null', () => {
    expect(applyFieldDefaults(fields, { userId: 'fixed-user' })).toEqual({ userId: 'fixed-user' });
    expect(applyFieldDefaults(fields, { userId: null })).toEqual({ userId: null });
  });

  it('starts from an empty mapping when there is none', () => {
    expect(applyFieldDefaults(fields, undefined)).toEqual({ userId: { '@path': '$.userId' } });
  });
});

describe('buildPayload', () => {
  const action = { fields };

  it('applies defaults, evaluates the mapping against the context, and validates the result', () => {
    const mapping = { event: 'Application Nudge Sent', properties: { application: { '@path': '$.entry.properties.Application_id' } } };
    expect(buildPayload(action, mapping, sampleJourneyContext)).toEqual({
      payload: { event: 'Application Nudge Sent', properties: { application: '1234' }, userId: '88' },
      problems: [],
    });
  });

  it('reports a required field whose path found nothing', () => {
    expect(buildPayload(action, { event: { '@path': '$.traits.last_event' } }, sampleJourneyContext).problems).toEqual([
      { path: 'event', message: 'is required' },
    ]);
  });

  it('reports malformed directives alone, without repeating them as missing fields', () => {
    expect(buildPayload(action, { event: { '@path': 'entry.event' } }, sampleJourneyContext).problems).toEqual([
      { path: 'event', message: expect.stringContaining('must start with "$."') },
    ]);
  });
});
