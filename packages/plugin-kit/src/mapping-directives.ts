/**
 * The directives beyond `@path` and `@template`, with the semantics of Segment Actions' mapping kit so that
 * mappings written for it read the same here:
 *
 * - `{"@if": {"exists" | "blank": <mapping>, "then"?: <mapping>, "else"?: <mapping>}}`: `then` when the
 *   condition's value exists (is neither missing nor null; for `blank`, nor ''), else `else`. A branch left out
 *   resolves to nothing, which leaves its key out.
 * - `{"@case": {"operator": "lower" | "upper", "value": <mapping>}}`: a string in lower or upper case.
 * - `{"@replace": {"pattern": "-", "replacement"?: "", "value": <mapping>, "ignorecase"?: false,
 *   "global"?: true, "pattern2"?: …, "replacement2"?: …}}`: replaces literal text (not a regular expression);
 *   numbers and booleans are replaced in as text.
 * - `{"@arrayPath": ["$.entry.properties.items", {"id": {"@path": "$.productId"}}]}`: the array at the path
 *   (or a directive's value), each element mapped through the optional item shape, whose paths start at the
 *   element. An object counts as an array of one.
 * - `{"@merge": {"objects": [<mapping>, …], "direction"?: "right" | "left"}}`: one object from several;
 *   with `right` (the default) a later object's keys win, with `left` an earlier one's. Values that are not
 *   objects are skipped.
 * - `{"@json": {"mode": "encode" | "decode", "value": <mapping>}}`: a value as JSON text, or JSON text as a
 *   value (text that is not JSON resolves to nothing).
 * - `{"@literal": <json>}`: the JSON as written, not evaluated, so a payload may contain keys such as
 *   `"@type"` or text such as `{{` (Segment evaluates it; there it only works around empty templates).
 * - `{"@flatten": {"value": <mapping>, "separator"?: "."}}`: nested objects and arrays as one object with
 *   joined keys (`{"a": {"b": [1]}}` gives `{"a.b.0": 1}`).
 *
 * A value of the wrong type for a directive (`@case` of a number) is passed through unchanged. Every problem
 * with a directive's own options is reported at the directive, and its sub-mappings are still checked.
 */
import { isPlainObject } from './field-types';

/** What a directive needs from the walk that evaluates (or, without a context, checks) a mapping. */
export interface DirectiveWalk {
  /** No context: every branch is visited so every problem is found, and nothing is read. */
  readonly checking: boolean;
  /** Evaluates a sub-mapping that becomes part of the payload. */
  visit(node: unknown, at: string, depth: number): unknown;
  /** Evaluates a sub-mapping that does not become part of the payload (a condition, a source array). */
  peek(node: unknown, at: string, depth: number): unknown;
  /** Evaluates `node` with `root` as what its paths start from; `counted: false` adds nothing to the payload. */
  within(root: unknown, node: unknown, at: string, depth: number, counted?: boolean): unknown;
  /** The value at a `$.…` path from the current root (undefined when checking). */
  read(expression: string, at: string, directive: string): unknown;
  /** Adds JSON text the directive created (beyond what its sub-mappings built) to the payload's size. */
  grow(bytes: number, at: string): void;
  /** How many bytes of JSON text the payload may still grow by. */
  remaining(): number;
  /** The size of a value as JSON text. */
  sizeOf(value: unknown): number;
  fail(at: string, message: string): undefined;
}

type Evaluate = (argument: unknown, at: string, depth: number, walk: DirectiveWalk) => unknown;

/** Which keys a directive's options object has, and which of them are sub-mappings. */
interface OptionsShape {
  required: readonly string[];
  optional: readonly string[];
  /** Keys whose values are mappings, evaluated; every other key is a literal option. */
  mappings: readonly string[];
  /** Literal options: the values allowed (a list) or the type required. */
  literals?: Record<string, readonly string[] | 'string' | 'non-empty string' | 'boolean'>;
}

/**
 * `argument` as the options of `directive`, or undefined after reporting every problem with it (unknown or
 * missing keys, bad literal options). Sub-mappings of bad options are still checked, for their own problems.
 */
function readOptions(directive: string, shape: OptionsShape, argument: unknown, at: string, depth: number, walk: DirectiveWalk): Record<string, unknown> | undefined {
  if (!isPlainObject(argument)) {
    const keys = [...shape.required, ...shape.optional.map((key) => `${key}?`)].join(', ');
    return walk.fail(at, `${directive} must be an object with the keys ${keys}`);
  }
  const problems: string[] = [];
  const known = [...shape.required, ...shape.optional];
  for (const key of Object.keys(argument).filter((key) => !known.includes(key))) {
    problems.push(`${directive} has the unknown option ${JSON.stringify(key)} (options: ${known.join(', ')})`);
  }
  for (const key of shape.required.filter((key) => argument[key] === undefined)) {
    problems.push(`${directive} needs ${JSON.stringify(key)}`);
  }
  for (const [key, rule] of Object.entries(shape.literals ?? {})) {
    const value = argument[key];
    if (value === undefined) continue;
    const wrong =
      rule === 'boolean'
        ? typeof value !== 'boolean' && 'true or false'
        : rule === 'string'
          ? typeof value !== 'string' && 'a string'
          : rule === 'non-empty string'
            ? (typeof value !== 'string' || value === '') && 'a non-empty string'
            : !rule.includes(value as string) && `one of ${rule.map((v) => JSON.stringify(v)).join(', ')}`;
    if (wrong) problems.push(`${directive} ${key} must be ${wrong}, got ${JSON.stringify(value)}`);
  }
  if (problems.length === 0) return argument;
  for (const message of problems) walk.fail(at, message);
  for (const key of shape.mappings) if (argument[key] !== undefined) walk.peek(argument[key], inside(at, directive, key), depth + 1);
  return undefined;
}

/** Where a directive's sub-mapping sits, for problems: `data.greeting.@if.then`. */
function inside(at: string, directive: string, key: string | number): string {
  const base = at === '' ? directive : `${at}.${directive}`;
  return typeof key === 'number' ? `${base}[${key}]` : `${base}.${key}`;
}

const ifDirective: Evaluate = (argument, at, depth, walk) => {
  const options = readOptions('@if', { required: [], optional: ['exists', 'blank', 'then', 'else'], mappings: ['exists', 'blank', 'then', 'else'] }, argument, at, depth, walk);
  if (!options) return undefined;
  const conditions = ['exists', 'blank'].filter((key) => options[key] !== undefined);
  const branches = ['then', 'else'].filter((key) => options[key] !== undefined);
  const problems = [
    conditions.length !== 1 && `@if needs exactly one condition, "exists" or "blank"${conditions.length > 1 ? ', not both' : ''}`,
    branches.length === 0 && '@if needs a "then" or an "else" branch',
  ].filter((problem) => problem !== false);
  for (const problem of problems) walk.fail(at, problem);
  if (problems.length > 0 || walk.checking) {
    for (const key of [...conditions, ...branches]) walk.peek(options[key], inside(at, '@if', key), depth + 1);
    return undefined;
  }
  const [condition] = conditions;
  const value = walk.peek(options[condition], inside(at, '@if', condition), depth + 1);
  const holds = value !== undefined && value !== null && (condition === 'exists' || value !== '');
  const branch = holds ? 'then' : 'else';
  return options[branch] === undefined ? undefined : walk.visit(options[branch], inside(at, '@if', branch), depth + 1);
};

const caseDirective: Evaluate = (argument, at, depth, walk) => {
  const options = readOptions('@case', { required: ['operator', 'value'], optional: [], mappings: ['value'], literals: { operator: ['lower', 'upper'] } }, argument, at, depth, walk);
  if (!options) return undefined;
  const value = walk.visit(options.value, inside(at, '@case', 'value'), depth + 1);
  if (typeof value !== 'string') return value;
  return options.operator === 'lower' ? value.toLowerCase() : value.toUpperCase();
};

const replaceDirective: Evaluate = (argument, at, depth, walk) => {
  const options = readOptions(
    '@replace',
    {
      required: ['pattern', 'value'],
      optional: ['replacement', 'ignorecase', 'global', 'pattern2', 'replacement2'],
      mappings: ['value'],
      literals: { pattern: 'non-empty string', replacement: 'string', ignorecase: 'boolean', global: 'boolean', pattern2: 'non-empty string', replacement2: 'string' },
    },
    argument,
    at,
    depth,
    walk,
  );
  if (!options) return undefined;
  if (options.replacement2 !== undefined && options.pattern2 === undefined) return walk.fail(at, '@replace has "replacement2" without "pattern2"');
  const value = walk.visit(options.value, inside(at, '@replace', 'value'), depth + 1);
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return value;
  const flags = `${options.global === false ? '' : 'g'}${options.ignorecase === true ? 'i' : ''}`;
  let text = String(value);
  for (const [pattern, replacement = ''] of [
    [options.pattern, options.replacement],
    [options.pattern2, options.replacement2],
  ] as [string | undefined, string | undefined][]) {
    if (pattern === undefined) continue;
    const expression = new RegExp(escapeRegExp(pattern), flags);
    // A short value with a long replacement, replaced everywhere, can grow far past what the mapping holds:
    // the growth is counted before the text is built.
    const matches = flags.includes('g') ? (text.match(expression)?.length ?? 0) : Number(expression.test(text));
    const growth = matches * (replacement.length - pattern.length);
    if (growth > 0) walk.grow(growth, at);
    if (growth > walk.remaining()) return undefined;
    // A function replacement: `$&` and friends in the replacement text stay literal.
    text = text.replace(expression, () => replacement);
  }
  return text;
};

const arrayPathDirective: Evaluate = (argument, at, depth, walk) => {
  if (!Array.isArray(argument) || argument.length < 1 || argument.length > 2) {
    return walk.fail(at, '@arrayPath must be ["$.path.to.array"] or ["$.path.to.array", {item shape}]');
  }
  const [source, shape] = argument as [unknown, unknown];
  const badShape = shape !== undefined && !isPlainObject(shape);
  const badSource = typeof source !== 'string' && !isPlainObject(source);
  if (badShape) walk.fail(inside(at, '@arrayPath', 1), '@arrayPath item shape must be an object of mappings');
  if (badSource) walk.fail(inside(at, '@arrayPath', 0), '@arrayPath source must be a "$." path or a directive');
  const hasShape = isPlainObject(shape) && Object.keys(shape).length > 0;
  const read = (): unknown =>
    typeof source === 'string' ? walk.read(source, inside(at, '@arrayPath', 0), '@arrayPath') : isPlainObject(source) ? walk.peek(source, inside(at, '@arrayPath', 0), depth + 1) : undefined;
  if (badShape || badSource || walk.checking) {
    read();
    // Paths of the shape start at an element, which checking has none of: only their syntax is checked.
    if (hasShape) walk.within(undefined, shape, inside(at, '@arrayPath', 1), depth + 1, false);
    return undefined;
  }
  const root = read();
  if (!hasShape) {
    walk.grow(walk.sizeOf(root), at);
    return root;
  }
  if (root === null || typeof root !== 'object') {
    // No element to map, but a malformed shape must fail every delivery alike, not only those with items.
    walk.within(undefined, shape, inside(at, '@arrayPath', 1), depth + 1, false);
    return undefined;
  }
  const items = Array.isArray(root) ? root : [root];
  const mapped: unknown[] = [];
  for (const item of items) {
    const value = walk.within(item, shape, inside(at, '@arrayPath', 1), depth + 1);
    if (value !== undefined) mapped.push(value);
  }
  walk.grow(2, at);
  return mapped;
};

const mergeDirective: Evaluate = (argument, at, depth, walk) => {
  const options = readOptions('@merge', { required: ['objects'], optional: ['direction'], mappings: ['objects'], literals: { direction: ['left', 'right'] } }, argument, at, depth, walk);
  if (!options) return undefined;
  if (!Array.isArray(options.objects)) return walk.fail(at, '@merge objects must be an array of mappings');
  const objects = options.objects.map((node, index) => walk.visit(node, inside(at, '@merge', `objects[${index}]`), depth + 1));
  const merged: Record<string, unknown> = {};
  for (const object of options.direction === 'left' ? objects.reverse() : objects) {
    if (!isPlainObject(object)) continue;
    for (const [key, value] of Object.entries(object)) setOwn(merged, key, value);
  }
  return merged;
};

const jsonDirective: Evaluate = (argument, at, depth, walk) => {
  const options = readOptions('@json', { required: ['mode', 'value'], optional: [], mappings: ['value'], literals: { mode: ['encode', 'decode'] } }, argument, at, depth, walk);
  if (!options) return undefined;
  const value = walk.visit(options.value, inside(at, '@json', 'value'), depth + 1);
  if (value === undefined) return undefined;
  if (options.mode === 'encode') return JSON.stringify(value);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
};

const literalDirective: Evaluate = (argument, at, _depth, walk) => {
  const notJson = jsonProblem(argument);
  if (notJson) return walk.fail(at, `@literal ${notJson}`);
  walk.grow(walk.sizeOf(argument), at);
  return argument;
};

const flattenDirective: Evaluate = (argument, at, depth, walk) => {
  const options = readOptions('@flatten', { required: ['value'], optional: ['separator'], mappings: ['value'], literals: { separator: 'string' } }, argument, at, depth, walk);
  if (!options) return undefined;
  const value = walk.visit(options.value, inside(at, '@flatten', 'value'), depth + 1);
  if (value === null || typeof value !== 'object') return value;
  const flat: Record<string, unknown> = {};
  const separator = (options.separator as string | undefined) ?? '.';
  // Deep values repeat their whole key path, so the flat object can be far larger than the nested one:
  // its size is counted while it is built, and building stops once past the payload's limit.
  const budget = walk.sizeOf(value) + walk.remaining();
  let size = 2;
  const stack: [string, unknown][] = [['', value]];
  while (stack.length > 0) {
    const [prefix, node] = stack.pop()!;
    if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([prefix === '' ? entries[i][0] : `${prefix}${separator}${entries[i][0]}`, entries[i][1]]);
    } else {
      setOwn(flat, prefix, node);
      size += prefix.length + 4 + walk.sizeOf(node);
      if (size > budget) {
        walk.grow(size - walk.sizeOf(value), at);
        return undefined;
      }
    }
  }
  if (size > walk.sizeOf(value)) walk.grow(size - walk.sizeOf(value), at);
  return flat;
};

/** Every directive a mapping may use, by name. */
export const DIRECTIVES: Readonly<Record<string, Evaluate>> = {
  '@if': ifDirective,
  '@case': caseDirective,
  '@replace': replaceDirective,
  '@arrayPath': arrayPathDirective,
  '@merge': mergeDirective,
  '@json': jsonDirective,
  '@literal': literalDirective,
  '@flatten': flattenDirective,
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Why `value` is not JSON (a class instance, a non-finite number), or undefined. */
function jsonProblem(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'number' && !Number.isFinite(node)) return 'must hold finite numbers only';
    if (node === undefined || typeof node === 'function' || typeof node === 'symbol' || typeof node === 'bigint') return 'must be JSON';
    if (node !== null && typeof node === 'object') {
      if (!Array.isArray(node) && !isPlainObject(node)) return 'must be JSON';
      stack.push(...Object.values(node));
    }
  }
  return undefined;
}

// A key named `__proto__` must become an ordinary key, not replace the result's prototype.
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
