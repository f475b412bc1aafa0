import { RateBucket } from './rate-bucket';

describe('RateBucket', () => {
  it('lets 25 events of one profile through in a second, drops the 26th, and refills over time', () => {
    const bucket = new RateBucket(25, 0);
    const taken = Array.from({ length: 26 }, () => bucket.takeOne(0));
    expect(taken.filter(Boolean)).toHaveLength(25);
    expect(taken[25]).toBe(false);
    expect(bucket.takeOne(39)).toBe(false);
    expect(bucket.takeOne(40)).toBe(true);
    expect(bucket.isFull(2000)).toBe(true);
  });

  it('admits a request bigger than the bucket once, then asks to wait until the debt is paid', () => {
    const bucket = new RateBucket(100, 0);
    expect(bucket.takeAll(500, 0)).toEqual({ ok: true });
    expect(bucket.takeAll(1, 0)).toEqual({ ok: false, retryAfterSeconds: 5 });
    expect(bucket.takeAll(1, 4000)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(bucket.takeAll(1, 5000)).toEqual({ ok: true });
  });
});
