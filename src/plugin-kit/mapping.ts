/**
 * Mapping: the JSON a send step uses to build an action's payload from the journey context.
 *
 * - Literals (strings, numbers, booleans, null) are copied as they are; objects and arrays are evaluated
 *   recursively.
 * - `{ "@path": "$.traits.email" }` reads a value: `$.a.b`, `$.a[0].b`, `$.a["key with spaces"]`. A missing
 *   value is `undefined`: an object leaves that key out, an array leaves that element out.
 * - `{ "@template": "Hi {{traits.first_name}}" }` renders text; placeholder paths are written without `$.`;
 *   missing values render as '', objects as JSON. Nothing is HTML-escaped.
 * - A directive object has exactly one key. Any key starting with `@` is a directive.
 *
 * Problem paths are relative to the mapping's root ('' is the root itself): `data.email`, `items[2]`.
 */
import type { Problem } from './destination';
import { childPath, isPlainObject } from './field-types';

/** A step in a path: an object key or an array index. */
export type PathSegment = string | number;

/** One `@path`, or one `{{placeholder}}` of a `@template`, found in a mapping. */
export interface MappingPath {
  /** Where in the mapping it sits (`data.email`; '' for the root). */
  at: string;
  directive: '@path' | '@template';
  /** As written: `$.traits.email` for `@path`, `traits.first_name` for a placeholder. */
  expression: string;
  /** From the context's root: `['traits', 'email']`. */
  segments: PathSegment[];
}

/** The result of evaluating a mapping: `value` is undefined when the whole mapping resolved to nothing. */
export interface MappingResult {
  value: unknown;
  problems: Problem[];
}

/** The keys at the root of every journey context (SPEC 4.2). */
export const CONTEXT_ROOT_KEYS = ['userId', 'journey', 'instance', 'entry', 'events', 'traits'] as const;

// Deep enough for any real payload, shallow enough that a hostile mapping cannot exhaust the stack.
const MAX_DEPTH = 64;

/** Evaluates `mapping` against `context`, reporting every malformed directive (their values are undefined). */
export function evaluateMapping(mapping: unknown, context: object): MappingResult {
  const walk = new MappingWalk(context);
  const value = walk.visit(mapping, '', 0);
  return { value, problems: walk.problems };
}

/** Every well-formed `@path` and template placeholder in `mapping`, in document order. */
export function mappingPaths(mapping: unknown): MappingPath[] {
  const walk = new MappingWalk(undefined);
  walk.visit(mapping, '', 0);
  return walk.paths;
}

/**
 * Every problem found without a context: malformed directives and paths, and paths that cannot exist in any
 * journey context (an unknown root such as `$.trait.email`, or a typo such as `$.entry.propertes.total`).
 * Whether `events.<stepKey>` names a real hold step is for the journey validator to decide.
 */
export function checkMappingPaths(mapping: unknown): Problem[] {
  const walk = new MappingWalk(undefined);
  walk.visit(mapping, '', 0);
  const problems = [...walk.problems];
  for (const use of walk.paths) {
    const message = contextShapeProblem(use.segments);
    if (message) problems.push({ path: use.at, message: `${use.expression}: ${message}` });
  }
  return problems;
}

class MappingWalk {
  readonly problems: Problem[] = [];
  readonly paths: MappingPath[] = [];

  constructor(private readonly context: object | undefined) {}

  visit(node: unknown, at: string, depth: number): unknown {
    if (depth > MAX_DEPTH) return this.fail(at, `is nested deeper than ${MAX_DEPTH} levels`);
    if (node === null || typeof node === 'string' || typeof node === 'boolean') return node;
    if (typeof node === 'number') return Number.isFinite(node) ? node : this.fail(at, 'must be a finite number');
    if (node === undefined) return undefined;
    if (Array.isArray(node)) {
      const items: unknown[] = [];
      node.forEach((item, index) => {
        const value = this.visit(item, childPath(at, index), depth + 1);
        if (value !== undefined) items.push(value);
      });
      return items;
    }
    if (!isPlainObject(node)) return this.fail(at, 'is not JSON');

    const keys = Object.keys(node);
    const directives = keys.filter((key) => key.startsWith('@'));
    if (directives.length > 0) return this.directive(node, keys, directives, at);

    const result: Record<string, unknown> = {};
    for (const key of keys) {
      const value = this.visit(node[key], childPath(at, key), depth + 1);
      if (value !== undefined) setOwn(result, key, value);
    }
    return result;
  }

  private directive(node: Record<string, unknown>, keys: string[], directives: string[], at: string): unknown {
    const known = directives.filter((key) => key === '@path' || key === '@template');
    if (known.length === 0) {
      return this.fail(at, `${directives[0]} is not a mapping directive; use @path or @template`);
    }
    if (keys.length > 1) {
      const others = keys.filter((key) => key !== known[0]).map((key) => JSON.stringify(key));
      return this.fail(at, `a ${known[0]} object must have no other keys, found ${others.join(', ')}`);
    }
    const argument = node[known[0]];
    if (typeof argument !== 'string') return this.fail(at, `${known[0]} must be a string`);
    return known[0] === '@path' ? this.path(argument, at) : this.template(argument, at);
  }

  private path(expression: string, at: string): unknown {
    const parsed = parsePathExpression(expression);
    if (typeof parsed === 'string') return this.fail(at, `@path ${JSON.stringify(expression)} ${parsed}`);
    this.paths.push({ at, directive: '@path', expression, segments: parsed });
    const value = lookup(this.context, parsed);
    return value !== null && typeof value === 'object' ? structuredClone(value) : value;
  }

  private template(text: string, at: string): unknown {
    let rendered = '';
    let rest = text;
    for (;;) {
      const open = rest.indexOf('{{');
      if (open < 0) return rendered + rest;
      const close = rest.indexOf('}}', open + 2);
      if (close < 0) return this.fail(at, `@template has an unclosed {{ at "${excerpt(rest.slice(open))}"`);
      const expression = rest.slice(open + 2, close).trim();
      const parsed = parsePlaceholder(expression);
      if (typeof parsed === 'string') return this.fail(at, `@template placeholder {{${expression}}} ${parsed}`);
      this.paths.push({ at, directive: '@template', expression, segments: parsed });
      rendered += rest.slice(0, open) + renderText(lookup(this.context, parsed));
      rest = rest.slice(close + 2);
    }
  }

  private fail(at: string, message: string): undefined {
    this.problems.push({ path: at, message });
    return undefined;
  }
}

/** Segments of `$.a.b[0]`, or why the expression is malformed. */
function parsePathExpression(expression: string): PathSegment[] | string {
  if (!/^\$(?=[.[]|$)/.test(expression)) return 'must start with "$.", e.g. "$.traits.email"';
  return parseSegments(expression, 1, false);
}

/** Segments of a template placeholder (`traits.first_name`), or why it is malformed. */
function parsePlaceholder(expression: string): PathSegment[] | string {
  if (expression === '') return 'is empty';
  if (expression.startsWith('$')) return `is written without "$.", e.g. {{${expression.replace(/^\$\.?/, '')}}}`;
  return parseSegments(expression, 0, true);
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
function lookup(root: unknown, segments: PathSegment[]): unknown {
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

function renderText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// A mapping key named `__proto__` must become an ordinary key, not replace the result's prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function excerpt(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
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

function contextShapeProblem(segments: PathSegment[]): string | undefined {
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
