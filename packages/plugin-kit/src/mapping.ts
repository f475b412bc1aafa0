/**
 * Mapping: the JSON a send step uses to build an action's payload from the journey context.
 *
 * - Literals (strings, numbers, booleans, null) are copied as they are; objects and arrays are evaluated
 *   recursively.
 * - `{ "@path": "$.traits.email" }` reads a value: `$.a.b`, `$.a[0].b`, `$.a["key with spaces"]`. A missing
 *   value is `undefined`: an object leaves that key out, an array leaves that element out.
 * - `{ "@template": "Hi {{traits.first_name | default: \"there\"}}" }` renders text; placeholder paths are
 *   written without `$.`; missing values render as '' (or as their `default`, which also replaces null and ''),
 *   objects as JSON. Nothing is HTML-escaped.
 * - `@if`, `@case`, `@replace`, `@arrayPath`, `@merge`, `@json`, `@literal` and `@flatten` transform values
 *   (see mapping-directives.ts).
 * - A directive object has exactly one key. Any key starting with `@` is a directive.
 *
 * Problem paths are relative to the mapping's root ('' is the root itself): `data.email`, `items[2]`, and
 * inside a directive `data.greeting.@if.then`.
 *
 * Limits (MAPPING_LIMITS): a mapping is refused before any evaluation when it is too large or has too many
 * directives, and evaluation stops as soon as the payload it builds grows past its size limit. Paths hand out
 * references while evaluating (a value referenced 300 times is held once); the finished payload, bounded by
 * then, is copied once so the caller may change it freely.
 */
import type { Problem } from './destination';
import { childPath, isPlainObject } from './field-types';
import { DIRECTIVES, setOwn, type DirectiveWalk } from './mapping-directives';
import { contextShapeProblem, excerpt, lookup, parsePathExpression, parsePlaceholder, type PathSegment } from './mapping-paths';

export { CONTEXT_ROOT_KEYS, type PathSegment } from './mapping-paths';

/** One `@path`, `@arrayPath` source, or `{{placeholder}}` of a `@template`, found in a mapping. */
export interface MappingPath {
  /** Where in the mapping it sits (`data.email`; '' for the root). */
  at: string;
  directive: '@path' | '@template' | '@arrayPath';
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

/** Every directive name, for messages and docs. */
export const MAPPING_DIRECTIVES = ['@path', '@template', ...Object.keys(DIRECTIVES)] as const;

// Deep enough for any real payload, shallow enough that a hostile mapping cannot exhaust the stack.
const MAX_DEPTH = 64;

/**
 * What one tenant's mapping may cost. Real mappings have a few dozen directives in a few KB; payloads of
 * destinations are rarely over tens of KB. The payload limit counts the JSON text the payload would be.
 */
export const MAPPING_LIMITS = {
  /** JSON text of the mapping itself. */
  maxMappingBytes: 64 * 1024,
  /** Directives (`@path`, `@template`, `@if`, …) in one mapping. */
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
          return [{ path: '', message: `has more than ${limits.maxDirectives} directives; map fewer values or map a whole object with one @path` }];
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

class MappingWalk implements DirectiveWalk {
  readonly problems: Problem[] = [];
  readonly paths: MappingPath[] = [];
  /** The payload passed its size limit: evaluation stopped and the result is void. */
  overflowed = false;
  private payloadBytes = 0;
  private readonly sizes = new JsonSizes();
  private readonly reported = new Set<string>();
  /** What `$.` means: the context, or an element of an `@arrayPath` (whose paths are not context paths). */
  private root: unknown;
  private relative = false;

  constructor(
    private readonly context: object | undefined,
    private readonly maxPayloadBytes = Infinity,
  ) {
    this.root = context;
  }

  get checking(): boolean {
    return this.context === undefined;
  }

  visit(node: unknown, at: string, depth: number): unknown {
    if (this.overflowed) return undefined;
    const value = this.evaluate(node, at, depth);
    // Containers are counted through their members, directives by what they add; literals here.
    if (value !== undefined && !this.overflowed && (node === null || typeof node !== 'object')) this.grow(this.sizes.of(value, this.remaining() + 1), at);
    return this.overflowed ? undefined : value;
  }

  peek(node: unknown, at: string, depth: number): unknown {
    const bytes = this.payloadBytes;
    const value = this.visit(node, at, depth);
    this.payloadBytes = bytes;
    return value;
  }

  within(root: unknown, node: unknown, at: string, depth: number, counted = true): unknown {
    const [outerRoot, outerRelative] = [this.root, this.relative];
    [this.root, this.relative] = [root, true];
    try {
      return counted ? this.visit(node, at, depth) : this.peek(node, at, depth);
    } finally {
      [this.root, this.relative] = [outerRoot, outerRelative];
    }
  }

  remaining(): number {
    return this.maxPayloadBytes - this.payloadBytes;
  }

  sizeOf(value: unknown): number {
    return this.sizes.of(value, this.remaining() + 1);
  }

  grow(bytes: number, at: string): void {
    this.payloadBytes += bytes;
    if (this.payloadBytes > this.maxPayloadBytes && !this.overflowed) {
      this.overflowed = true;
      this.problems.push({
        path: at,
        message: `makes the mapped payload larger than ${this.maxPayloadBytes / 1024} KB of JSON; map smaller values (e.g. single properties instead of whole objects)`,
      });
    }
  }

  /** Reports a problem once, however many elements of an `@arrayPath` run into it. */
  fail(at: string, message: string): undefined {
    const key = `${at}\n${message}`;
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.problems.push({ path: at, message });
    }
    return undefined;
  }

  read(expression: string, at: string, directive: '@path' | '@arrayPath'): unknown {
    // `$` alone is the element an @arrayPath shape maps (an array of strings, say); the context has no such use.
    if (expression === '$' && this.relative) return this.root;
    const parsed = parsePathExpression(expression);
    if (typeof parsed === 'string') return this.fail(at, `${directive} ${JSON.stringify(expression)} ${parsed}`);
    if (!this.relative) this.paths.push({ at, directive, expression, segments: parsed });
    // A reference, not a copy: the size limit is checked before anything is copied (see evaluateMapping).
    return lookup(this.root, parsed);
  }

  private evaluate(node: unknown, at: string, depth: number): unknown {
    if (depth > MAX_DEPTH) return this.fail(at, `is nested deeper than ${MAX_DEPTH} levels`);
    if (node === null || typeof node === 'string' || typeof node === 'boolean') return node;
    if (typeof node === 'number') return Number.isFinite(node) ? node : this.fail(at, 'must be a finite number');
    if (node === undefined) return undefined;
    if (Array.isArray(node)) {
      const items: unknown[] = [];
      this.grow(2, at);
      node.forEach((item, index) => {
        const value = this.visit(item, childPath(at, index), depth + 1);
        if (value !== undefined) {
          items.push(value);
          this.payloadBytes += 1;
        }
      });
      return items;
    }
    if (!isPlainObject(node)) return this.fail(at, 'is not JSON');

    const keys = Object.keys(node);
    const directives = keys.filter((key) => key.startsWith('@'));
    if (directives.length > 0) return this.directive(node, keys, directives, at, depth);

    const result: Record<string, unknown> = {};
    this.grow(2, at);
    for (const key of keys) {
      const value = this.visit(node[key], childPath(at, key), depth + 1);
      if (value !== undefined) {
        setOwn(result, key, value);
        this.payloadBytes += key.length + 4;
      }
    }
    return result;
  }

  private directive(node: Record<string, unknown>, keys: string[], directives: string[], at: string, depth: number): unknown {
    const known = directives.filter((key) => (MAPPING_DIRECTIVES as readonly string[]).includes(key));
    if (known.length === 0) {
      return this.fail(at, `${directives[0]} is not a mapping directive; use one of ${MAPPING_DIRECTIVES.join(', ')}`);
    }
    if (keys.length > 1) {
      const others = keys.filter((key) => key !== known[0]).map((key) => JSON.stringify(key));
      return this.fail(at, `a ${known[0]} object must have no other keys, found ${others.join(', ')}`);
    }
    const [name] = known;
    const argument = node[name];
    if (name === '@path' || name === '@template') {
      if (typeof argument !== 'string') return this.fail(at, `${name} must be a string`);
      if (name === '@template') return this.template(argument, at);
      const value = this.read(argument, at, '@path');
      if (value !== undefined) this.grow(this.sizeOf(value), at);
      return value;
    }
    return DIRECTIVES[name](argument, at, depth, this);
  }

  private template(text: string, at: string): unknown {
    let rendered = '';
    let rest = text;
    for (;;) {
      const open = rest.indexOf('{{');
      if (open < 0) {
        rendered += rest;
        this.grow(rendered.length + 2, at);
        return this.overflowed ? undefined : rendered;
      }
      const close = rest.indexOf('}}', open + 2);
      if (close < 0) return this.fail(at, `@template has an unclosed {{ at "${excerpt(rest.slice(open))}"`);
      const expression = rest.slice(open + 2, close).trim();
      const placeholder = parsePlaceholder(expression);
      if (typeof placeholder === 'string') return this.fail(at, `@template placeholder {{${expression}}} ${placeholder}`);
      if (!this.relative) this.paths.push({ at, directive: '@template', expression: placeholder.path, segments: placeholder.segments });
      const found = lookup(this.root, placeholder.segments);
      const value = placeholder.fallback !== undefined && (found === undefined || found === null || found === '') ? placeholder.fallback : found;
      // An object renders as its JSON: measured (once per object) before it is stringified.
      if (value !== null && typeof value === 'object' && rendered.length + this.sizeOf(value) > this.remaining()) return this.grow(this.sizeOf(value), at);
      rendered += rest.slice(0, open) + renderText(value);
      if (rendered.length > this.remaining()) return this.grow(rendered.length, at);
      rest = rest.slice(close + 2);
    }
  }
}

/**
 * Sizes of values as JSON text (close enough for a limit: escapes are not counted), measured without
 * stringifying. An object is measured once however often a mapping refers to it, and a measure stops as
 * soon as it passes its cap, so a huge value costs no more than the cap.
 */
class JsonSizes {
  private readonly known = new WeakMap<object, number>();

  of(value: unknown, cap: number): number {
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
