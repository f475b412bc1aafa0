import { checkFrequencyCaps, decideSends, type CountedSend, type FrequencyCap } from './frequency-cap';

const SMS = 'sms-destination';
const EMAIL = 'email-destination';
const HOUR = 3600_000;

describe('decideSends', () => {
  const daily: FrequencyCap = { max: 2, within: 'P1D' };
  const smsHourly: FrequencyCap = { max: 1, within: 'PT1H', destinationId: SMS };

  it('lets sends go until a cap is reached, then refuses with the cap that refused', () => {
    const recent: CountedSend[] = [];
    const decisions = decideSends([daily], recent, [EMAIL, SMS, EMAIL].map((destinationId) => ({ destinationId, transactional: false })));
    expect(decisions).toEqual([null, null, daily]);
    // A refused send counts toward nothing: only the two that went are counted.
    expect(recent).toHaveLength(2);
  });

  it('counts a rolling window: a send exactly the window ago is out of it, one a millisecond later is in', () => {
    const send = [{ destinationId: EMAIL, transactional: false }];
    expect(decideSends([{ max: 1, within: 'P1D' }], [{ destinationId: EMAIL, ageMs: 24 * HOUR }], send)).toEqual([null]);
    expect(decideSends([{ max: 1, within: 'P1D' }], [{ destinationId: EMAIL, ageMs: 24 * HOUR - 1 }], send)).toEqual([{ max: 1, within: 'P1D' }]);
  });

  it('a destination cap counts and refuses that destination only', () => {
    const recent: CountedSend[] = [{ destinationId: SMS, ageMs: 10 * 60_000 }];
    expect(decideSends([smsHourly], recent, [SMS, EMAIL].map((destinationId) => ({ destinationId, transactional: false })))).toEqual([smsHourly, null]);
  });

  it('a transactional send is never refused and never counted', () => {
    const recent: CountedSend[] = [{ destinationId: EMAIL, ageMs: 1 }, { destinationId: EMAIL, ageMs: 2 }];
    expect(decideSends([daily], recent, [{ destinationId: EMAIL, transactional: true }])).toEqual([null]);
    expect(recent).toHaveLength(2);
  });
});

describe('checkFrequencyCaps', () => {
  it('names every problem with its path', () => {
    const problems = checkFrequencyCaps(
      [
        { max: 1.5, within: 'P1D' },
        { max: 1, within: 'tomorrow' },
        { max: 1, within: 'P31D' },
        { max: 1, within: 'PT1H', destinationId: 'nope' },
        { max: 3, within: 'PT24H' },
      ],
      new Set([SMS]),
    );
    expect(problems.map((problem) => problem.path)).toEqual(['caps[0].max', 'caps[1].within', 'caps[2].within', 'caps[3].destinationId', 'caps[4]']);
  });

  it('accepts caps over all destinations and per destination', () => {
    expect(checkFrequencyCaps([{ max: 3, within: 'P1D' }, { max: 1, within: 'PT4H', destinationId: SMS }], new Set([SMS]))).toEqual([]);
  });
});
