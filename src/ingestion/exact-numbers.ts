/**
 * Numbers in a JSON text that JavaScript (and so what Itinera stores) cannot carry exactly: integers past
 * 2^53 lose digits (`12345678901234567890` becomes `12345678901234567000`), numbers past the double range
 * become `Infinity` and are then stored as `null`, and tiny ones become 0. Fractions rounding in their last
 * binary digit (`0.1`) are how every tracking library's numbers behave, and are not reported.
 */
export interface InexactNumber {
  /** Where in the parsed document: keys and array indexes. */
  path: (string | number)[];
  message: string;
}

/**
 * Every number that can change when parsed has 16 digits in a row (long integers and decimals, tiny
 * "0.0000…") or an exponent (a number token starts after `:`, `[` or `,`; hex ids such as "3e4f" in
 * messageIds do not). Bodies without either, the usual case, are not scanned; a match inside a string
 * only costs the scan.
 */
const MAYBE_INEXACT = /[0-9]{16}|[:[,]\s*-?[0-9][0-9.]*[eE]/;

/**
 * Scans `text` (already known to be valid JSON) once, tracking the path of each value, and reports up to
 * `limit` numbers that would not survive parsing. Only long tokens are examined closely.
 */
export function inexactNumbers(text: string, limit = 10): InexactNumber[] {
  if (!MAYBE_INEXACT.test(text)) return [];
  const found: InexactNumber[] = [];
  // One frame per open container: an object's current key, or an array's current index.
  const frames: { key: string | number; inObject: boolean; expectingKey: boolean }[] = [];
  let i = 0;
  while (i < text.length && found.length < limit) {
    const c = text[i];
    if (c === '"') {
      const end = endOfString(text, i);
      const top = frames[frames.length - 1];
      if (top?.inObject && top.expectingKey) {
        top.key = JSON.parse(text.slice(i, end)) as string;
        top.expectingKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      frames.push({ key: c === '[' ? 0 : '', inObject: c === '{', expectingKey: c === '{' });
      i++;
    } else if (c === '}' || c === ']') {
      frames.pop();
      i++;
    } else if (c === ',') {
      const top = frames[frames.length - 1];
      if (top.inObject) top.expectingKey = true;
      else top.key = (top.key as number) + 1;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && /[0-9eE.+-]/.test(text[end])) end++;
      const problem = inexactProblem(text.slice(i, end));
      if (problem) found.push({ path: frames.map((frame) => frame.key), message: problem });
      i = end;
    } else {
      i++;
    }
  }
  return found;
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (text[quote - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** Tokens of up to 15 significant digits and a small exponent are always exact enough: the fast path. */
function inexactProblem(token: string): string | null {
  if (token.length <= 15 && !/[eE]/.test(token)) return null;
  const value = Number(token);
  if (!Number.isFinite(value)) return `the number ${abbreviated(token)} is beyond what a JSON number can carry here (about ±1.8e308)`;
  const isInteger = /^-?\d+$/.test(token);
  if (isInteger && BigInt(token) !== BigInt(value)) {
    return `the integer ${abbreviated(token)} has more digits than a JSON number can carry exactly here (integers up to 2^53 = 9007199254740992); send it as a string`;
  }
  if (value === 0 && /[1-9]/.test(token.replace(/[eE].*$/, ''))) return `the number ${abbreviated(token)} is too small to be carried here (it would become 0)`;
  return null;
}

const abbreviated = (token: string) => (token.length > 40 ? `${token.slice(0, 37)}...` : token);
