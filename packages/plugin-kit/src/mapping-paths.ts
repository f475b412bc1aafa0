/**
 * The paths a mapping reads: `$.a.b[0]` expressions of `@path`, `{{a.b | default: "…"}}` placeholders of
 * `@template`, how they are looked up, and which of them can exist in a journey context.
 */

/** A step in a path: an object key or an array index. */
export type PathSegment = string | number;

/** The keys at the root of every journey context (SPEC 4.2). */
export const CONTEXT_ROOT_KEYS = ['userId', 'journey', 'instance', 'entry', 'events', 'traits'] as const;

/** Segments of `$.a.b[0]`, or why the expression is malformed. */
export function parsePathExpression(expression: string): PathSegment[] | string {
  if (!/^\$(?=[.[]|$)/.test(expression)) return 'must start with "$.", e.g. "$.traits.email"';
  return parseSegments(expression, 1, false);
}

/** A template placeholder: the path it reads, and the text it falls back to when that value is blank. */
export interface Placeholder {
  path: string;
  segments: PathSegment[];
  fallback?: string;
}

/**
 * A template placeholder (`traits.first_name`, `traits.first_name | default: "there"`), or why it is
 * malformed. `default` is the only filter; its text is a quoted string, `"…"` with JSON escapes or `'…'`.
 */
export function parsePlaceholder(expression: string): Placeholder | string {
  const pipe = unquotedPipe(expression);
  const path = (pipe < 0 ? expression : expression.slice(0, pipe)).trim();
  if (path === '') return 'is empty';
  if (path.startsWith('$')) return `is written without "$.", e.g. {{${path.replace(/^\$\.?/, '')}}}`;
  const segments = parseSegments(path, 0, true);
  if (typeof segments === 'string') return segments;
  if (pipe < 0) return { path, segments };
  const filter = expression.slice(pipe + 1).trim();
  const match = /^default\s*:\s*("(?:[^"\\]|\\.)*"|'[^']*')$/.exec(filter);
  if (!match) {
    const name = /^[\w-]*/.exec(filter)![0];
    return name === 'default'
      ? 'has a malformed default; write | default: "text"'
      : `uses the unknown filter ${JSON.stringify(name || filter)}; the only filter is | default: "text"`;
  }
  try {
    return { path, segments, fallback: match[1].startsWith("'") ? match[1].slice(1, -1) : (JSON.parse(match[1]) as string) };
  } catch {
    return 'has a default whose text has a malformed escape';
  }
}

/** Where the first `|` outside quotes is (keys in brackets may be quoted and hold a `|`), or -1. */
function unquotedPipe(expression: string): number {
  let quote: string | undefined;
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i];
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '|') {
      return i;
    }
  }
  return -1;
}

const NAME = /^[^.[\]\s'"*]+/;
const BRACKET = /^\[(\d+|"(?:[^"\\]|\\.)*"|'[^']*')\]/;

/**
 * Reads `.name`, `[0]`, `["any key"]` and `['any key']` segments from `expression`, starting at `start`;
 * a placeholder's first name has no leading dot (`traits.email`).
 */
function parseSegments(expression: string, start: number, bareFirst: boolean): PathSegment[] | string {
  const segments: PathSegment[] = [];
  let i = start;
  while (i < expression.length) {
    const tail = expression.slice(i);
    const after = `after "${excerpt(expression.slice(0, i))}"`;
    if (/^(\.\.|\.\*|\[\*|\*)/.test(tail)) return 'uses a wildcard or recursive descent, which mappings do not support';
    const bare = bareFirst && i === start;
    if (bare || tail[0] === '.') {
      const name = NAME.exec(bare ? tail : tail.slice(1));
      if (!name) return i === start ? 'must start with a name' : `has an empty or invalid name ${after}`;
      segments.push(name[0]);
      i += (bare ? 0 : 1) + name[0].length;
    } else if (tail[0] === '[') {
      const bracket = BRACKET.exec(tail);
      const segment = bracket ? bracketSegment(bracket[1]) : undefined;
      if (!bracket || segment === undefined) return `has a malformed [...] ${after}; use [0] or ["key"]`;
      segments.push(segment);
      i += bracket[0].length;
    } else {
      return `has an unexpected ${JSON.stringify(tail[0])} ${after}`;
    }
  }
  if (segments.length === 0) return 'must name a value in the journey context, e.g. "$.traits.email"';
  return segments;
}

function bracketSegment(inner: string): PathSegment | undefined {
  if (inner.startsWith("'")) return inner.slice(1, -1);
  if (!inner.startsWith('"')) return Number(inner);
  try {
    return JSON.parse(inner) as string;
  } catch {
    return undefined;
  }
}

/** Follows own properties only, so a path can never reach `constructor` or `__proto__` of a JSON value. */
export function lookup(root: unknown, segments: PathSegment[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : -1;
      current = index >= 0 && index < current.length ? current[index] : undefined;
    } else if (current !== null && typeof current === 'object' && typeof segment === 'string' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** What a journey context can hold (SPEC 4.2, the `JourneyContext` type): `'value'` has nothing inside, `'any'` anything. */
type ContextShape = 'value' | 'any' | { [key: string]: ContextShape };

const CAPTURED_EVENT: ContextShape = { event: 'value', properties: 'any', timestamp: 'value' };
const CONTEXT_SHAPE: { [key: string]: ContextShape } = {
  userId: 'value',
  journey: { id: 'value', name: 'value', version: 'value' },
  instance: { id: 'value', uniqueId: 'value', enteredAt: 'value' },
  entry: { event: 'value', properties: 'any', timestamp: 'value', messageId: 'value' },
  events: { '*': CAPTURED_EVENT },
  traits: 'any',
};

export function contextShapeProblem(segments: PathSegment[]): string | undefined {
  let shape: ContextShape = CONTEXT_SHAPE;
  for (const [index, segment] of segments.entries()) {
    const where = segments.slice(0, index).join('.');
    if (shape === 'any') return undefined;
    if (shape === 'value') return `${where} is a single value with nothing inside`;
    if (typeof segment === 'string' && Object.hasOwn(shape, segment)) {
      shape = shape[segment];
    } else if (Object.hasOwn(shape, '*')) {
      if (typeof segment === 'number') return `${where} is keyed by step key, not by position`;
      shape = shape['*'];
    } else if (index === 0) {
      return `the journey context has no ${JSON.stringify(segment)}; paths start with ${CONTEXT_ROOT_KEYS.join(', ')}`;
    } else {
      return `${where} has no ${JSON.stringify(segment)} (it has ${Object.keys(shape).join(', ')})`;
    }
  }
  return undefined;
}

export function excerpt(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
}
