/**
 * What PostgreSQL cannot store in `text` or `jsonb`, whatever the column: a NUL character, and an
 * unpaired UTF-16 surrogate (JSON can carry both as \u escapes). Inputs holding them are refused as
 * the caller's mistake (HTTP 400, BAD_USER_INPUT) instead of failing the write as a server error.
 */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Deeper than any real payload; PostgreSQL's JSON parser and JSON.stringify run out of stack far deeper. */
export const MAX_INPUT_NESTING = 64;

export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (UNPAIRED_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate (not valid Unicode)';
  return null;
}

export interface UnstorablePart {
  path: (string | number)[];
  message: string;
}

/**
 * The parts of a JSON-like value that cannot be stored: text as above (in keys too), and nesting
 * deeper than `maxNesting`. Walks iteratively, so hostile nesting cannot exhaust the stack; stops after `limit`.
 */
export function unstorableParts(value: unknown, { maxNesting = MAX_INPUT_NESTING, limit = 10 } = {}): UnstorablePart[] {
  const parts: UnstorablePart[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length && parts.length < limit) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = unstorableText(current);
      if (problem) parts.push({ path, message: `${problem}, which cannot be stored` });
    } else if (current && typeof current === 'object') {
      if (path.length >= maxNesting) {
        parts.push({ path, message: `is nested deeper than ${maxNesting} levels` });
        continue;
      }
      const isArray = Array.isArray(current);
      for (const [key, child] of Object.entries(current)) {
        const problem = isArray ? null : unstorableText(key);
        if (problem) parts.push({ path: [...path, key], message: `the key ${problem}, which cannot be stored` });
        else stack.push({ value: child, path: [...path, isArray ? Number(key) : key] });
      }
    }
  }
  return parts.slice(0, limit);
}

/**
 * `text` with every character PostgreSQL cannot store replaced by U+FFFD, for text we keep but do not
 * control (what a destination answered): refusing it is not an option, and one such answer must not
 * fail the write it shares with others.
 */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** A JSON-like value with `storableText` applied to every string and key; meant for small values (a few KB). */
export function storableJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_INPUT_NESTING) return '…';
  if (Array.isArray(value)) return value.map((item) => storableJson(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [storableText(key), storableJson(child, depth + 1)]));
}
