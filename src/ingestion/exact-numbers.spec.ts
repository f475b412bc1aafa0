import { inexactNumbers } from './exact-numbers';

describe('inexactNumbers', () => {
  it('finds numbers JSON.parse would change, with their paths', () => {
    const text = '{"a":{"b":[1,2,1e309]},"c":12345678901234567890,"d":-1e-400,"e":[{"f":[0,-99999999999999999999]}]}';
    expect(inexactNumbers(text).map((n) => n.path)).toEqual([['a', 'b', 2], ['c'], ['d'], ['e', 0, 'f', 1]]);
  });

  it('leaves alone numbers that survive: exact large integers, fractions, exponents, zeros', () => {
    expect(inexactNumbers('[9007199254740992,1152921504606846976,0.1,55.34,1.5e300,-0.0,0e10,1E-5,123456789012345]')).toEqual([]);
  });

  it('is not fooled by digits, quotes or brackets inside strings, keys included', () => {
    const text = '{"12345678901234567890":"1e309","q\\"[{":[{"x\\\\":1e999}]}';
    expect(inexactNumbers(text)).toEqual([{ path: ['q"[{', 0, 'x\\'], message: expect.stringContaining('1e999') }]);
  });
});
