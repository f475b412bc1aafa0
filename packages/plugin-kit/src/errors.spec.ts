import { PermanentError, RetryableError, isPermanentError } from './errors';

describe('isPermanentError', () => {
  it('is true for a PermanentError, which keeps its status and cause', () => {
    const cause = new Error('HTTP 400');
    const error = new PermanentError('the receiver rejected the payload', { status: 400, cause });
    expect(isPermanentError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'PermanentError', status: 400, cause });
  });

  it('is false for a RetryableError and for any other thrown value, which are all retried', () => {
    expect(isPermanentError(new RetryableError('HTTP 503', { status: 503 }))).toBe(false);
    expect(isPermanentError(new TypeError('fetch failed'))).toBe(false);
    expect(isPermanentError('a string')).toBe(false);
    expect(isPermanentError(null)).toBe(false);
  });

  it('recognises a PermanentError from another copy of the plugin kit', () => {
    jest.isolateModules(() => {
      const otherCopy = require('./errors') as typeof import('./errors');
      expect(otherCopy.PermanentError).not.toBe(PermanentError);
      expect(isPermanentError(new otherCopy.PermanentError('bad request'))).toBe(true);
    });
  });
});
