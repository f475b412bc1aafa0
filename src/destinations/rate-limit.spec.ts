import { rateLimitProblems, spacingMs } from './rate-limit';

describe('destination rate limits', () => {
  it('spaces attempts evenly: N a period, one every period / N', () => {
    expect(spacingMs({ max: 5, per: 'SECOND' })).toBe(200);
    expect(spacingMs({ max: 120, per: 'MINUTE' })).toBe(500);
  });

  it('names every problem of a limit', () => {
    expect(rateLimitProblems({ max: 0, per: 'HOUR' as never }).map((problem) => problem.path)).toEqual(['rateLimit.max', 'rateLimit.per']);
    expect(rateLimitProblems({ max: 100_000, per: 'SECOND' })).toEqual([]);
    expect(rateLimitProblems(null)).toEqual([]);
  });
});
