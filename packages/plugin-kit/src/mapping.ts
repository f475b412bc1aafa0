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
 *
 * Limits (MAPPING_LIMITS): a mapping is refused before any evaluation when it is too large or has too many
 * directives, and evaluation stops as soon as the payload it builds grows past its size limit. Paths hand out
 * references while evaluating (a value referenced 300 times is held once); the finished payload, bounded by
 * then, is copied once so the caller may change it freely.
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

/**
 * What one tenant's mapping may cost. Real mappings have a few dozen directives in a few KB; payloads of
 * destinations are rarely over tens of KB. The payload limit counts the JSON text the payload would be.
 */
export const MAPPING_LIMITS = {
  /** JSON text of the mapping itself. */
  maxMappingBytes: 64 * 1024,
  /** `@path` and `@template` directives in one mapping. */
  maxDirectives: 500,
  /** JSON text of the payload a mapping builds. */
  maxPayloadBytes: 256 * 1024,
} as const;

/** Evaluates `mapping` against `context`, reporting every malformed directive (their values are undefined). */
export function evaluateMapping(mapping: unknown, context: object): MappingResult {
  const tooLarge = mappingSizeProblems(mapping);
  if (tooLarge.length > 0) return { value: undefined, problems: tooLarge };
  const walk = new MappingWalk(context, MAPPING_LIMITS.maxPayloadBytes);
  const value = walk.visit(mapping, '', 0);
  if (walk.overflowed) return { value: undefined, problems: walk.problems };
  // One copy of the bounded result: callers may change the payload without touching the context.
  return { value: value !== null && typeof value === 'object' ? structuredClone(value) : value, problems: walk.problems };
}

/**
 * Why `mapping` is too large to evaluate (empty when it is not): more JSON text than `maxMappingBytes`, or
 * more directives than `maxDirectives`. Walks iteratively and stops at the first limit passed.
 */
export function mappingSizeProblems(mapping: unknown, limits: { maxMappingBytes: number; maxDirectives: number } = MAPPING_LIMITS): Problem[] {
  let bytes = 0;
  let directives = 0;
  const stack: unknown[] = [mapping];
  while (stack.length > 0) {
    const node = stack.pop();
    bytes += node !== null && typeof node === 'object' ? 2 : typeof node === 'string' ? node.length + 3 : 8;
    if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key.startsWith('@') && ++directives > limits.maxDirectives) {
          return [{ path: '', message: `has more than ${limits.maxDirectives} @path/@template directives; map fewer values or map a whole object with one @path` }];
        }
        bytes += Array.isArray(node) ? 1 : key.length + 4;
        stack.push(child);
      }
    }
    if (bytes > limits.maxMappingBytes) return [{ path: '', message: `is larger than ${limits.maxMappingBytes / 1024} KB of JSON` }];
  }
  return [];
}

/** Every well-formed `@path` and template placeholder in `mapping`, in document order. */
export function mappingPaths(mapping: unknown): MappingPath[] {
  if (mappingSizeProblems(mapping).length > 0) return [];
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
  const tooLarge = mappingSizeProblems(mapping);
  if (tooLarge.length > 0) return tooLarge;
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
  /** The payload passed its size limit: evaluation stopped and the result is void. */
  overflowed = false;
  private payloadBytes = 0;
  private readonly sizes = new JsonSizes();

  constructor(
    private readonly context: object | undefined,
    private readonly maxPayloadBytes = Infinity,
  ) {}

  visit(node: unknown, at: string, depth: number): unknown {
    if (this.overflowed) return undefined;
    const value = this.evaluate(node, at, depth);
    // Containers are counted through their members; each literal, path value and rendered text once.
    if (value !== undefined && !this.overflowed) this.count(node !== null && typeof node === 'object' && !isDirective(node) ? CONTAINER : value, at);
    return this.overflowed ? undefined : value;
  }

  private remaining(): number {
    return this.maxPayloadBytes - this.payloadBytes;
  }

  private count(value: unknown, at: string): void {
    this.payloadBytes += this.sizes.of(value, this.remaining() + 1);
    if (this.payloadBytes > this.maxPayloadBytes) this.overflow(at);
  }

  private overflow(at: string): undefined {
    this.overflowed = true;
    this.problems.push({
      path: at,
      message: `makes the mapped payload larger than ${this.maxPayloadBytes / 1024} KB of JSON; map smaller values (e.g. single properties instead of whole objects)`,
    });
    return undefined;
  }

  private evaluate(node: unknown, at: string, depth: number): unknown {
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
      if (value !== undefined) {
        setOwn(result, key, value);
        this.payloadBytes += key.length + 4;
      }
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
    // A reference, not a copy: the size limit is checked before anything is copied (see evaluateMapping).
    return lookup(this.context, parsed);
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
      const value = lookup(this.context, parsed);
      // An object renders as its JSON: measured (once per object) before it is stringified.
      if (value !== null && typeof value === 'object' && rendered.length + this.sizes.of(value, this.remaining() + 1) > this.remaining()) return this.overflow(at);
      rendered += rest.slice(0, open) + renderText(value);
      if (rendered.length > this.remaining()) return this.overflow(at);
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

/** Stands for an object or array whose members are counted one by one: only its brackets add up. */
const CONTAINER = Symbol('container');

function isDirective(node: object): boolean {
  return !Array.isArray(node) && Object.keys(node).some((key) => key.startsWith('@'));
}

/**
 * Sizes of values as JSON text (close enough for a limit: escapes are not counted), measured without
 * stringifying. An object is measured once however often a mapping refers to it, and a measure stops as
 * soon as it passes its cap, so a huge value costs no more than the cap.
 */
class JsonSizes {
  private readonly known = new WeakMap<object, number>();

  of(value: unknown, cap: number): number {
    if (value === CONTAINER) return 2;
    if (value === null || typeof value !== 'object') return scalarSize(value);
    const known = this.known.get(value);
    if (known !== undefined) return known;
    let size = 0;
    const stack: unknown[] = [value];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node !== null && typeof node === 'object') {
        const isArray = Array.isArray(node);
        size += 2;
        for (const key in node) {
          if (!Object.hasOwn(node, key)) continue;
          size += isArray ? 1 : key.length + 4;
          stack.push((node as Record<string, unknown>)[key]);
        }
      } else {
        size += scalarSize(node);
      }
      if (size > cap) return size;
    }
    this.known.set(value, size);
    return size;
  }
}

function scalarSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  return 4;
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
