import { correctClockSkew } from './clock-skew';
import { readIsoTimestamp } from './iso-timestamp';

describe('readIsoTimestamp', () => {
  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01t10:00:00.5z', '2024-05-01T10:00:00.500Z'],
    ['2024-05-01 10:00+01', '2024-05-01T09:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
  ])('reads %j as %s, whatever the server time zone', (input, iso) => {
    expect(readIsoTimestamp(input, 'timestamp')).toMatchObject({ iso });
  });

  it.each(['1', 'March 7', '2023-02-29', '2024-13-01', '2024-05-01T10:60:00Z', '2024-05-01T10:00:00+24:00', '+010000-01-01T00:00:00Z', '0000-12-31T23:00:00Z', 'Wed, 01 May 2024 10:00:00 GMT'])(
    'refuses %j',
    (input) => {
      expect(readIsoTimestamp(input, 'timestamp')).toEqual({ problem: expect.stringMatching(/^timestamp /) });
    },
  );
});

describe('correctClockSkew', () => {
  const receivedAt = '2024-05-01T10:00:10.000Z';

  it('moves the timestamp by the distance between sentAt and receivedAt, keeping the original', () => {
    // The device's clock is one hour fast; the event happened 3 s before it was sent.
    expect(correctClockSkew({ timestamp: '2024-05-01T11:00:00Z', sentAt: '2024-05-01T11:00:03Z', receivedAt })).toEqual({
      timestamp: '2024-05-01T10:00:07.000Z',
      originalTimestamp: '2024-05-01T11:00:00.000Z',
    });
  });

  it('keeps the timestamp without sentAt, and uses receivedAt without a timestamp', () => {
    expect(correctClockSkew({ timestamp: '2024-05-01T11:00:00Z', receivedAt })).toEqual({ timestamp: '2024-05-01T11:00:00.000Z', originalTimestamp: '2024-05-01T11:00:00.000Z' });
    expect(correctClockSkew({ sentAt: '2024-05-01T11:00:03Z', receivedAt })).toEqual({ timestamp: receivedAt, originalTimestamp: null });
  });
});
