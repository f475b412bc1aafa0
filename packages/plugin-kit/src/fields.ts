/**
 * One field specification for a destination's settings and an action's payload fields. The same
 * declaration validates input, documents it (the admin API, the console) and types `perform`'s
 * `settings` and `payload` (`InferSettings`, `InferPayload`): a plugin writes no interface beside it.
 */

/** A value type a field may declare; `datetime` is an ISO-8601 string (`2025-03-01T10:00:00Z`). */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'datetime';

/** A choice: the value itself, or the value with a label to show. */
export type FieldChoice = string | number | { label: string; value: string | number };

/**
 * `uri`: an absolute http(s) URL. `email`: an e-mail address. `http-headers`: an object of HTTP header
 * names to string values that can be sent (no control characters such as CR, LF or NUL).
 */
export type FieldFormat = 'uri' | 'email' | 'http-headers';

export interface FieldSpec {
  type: FieldType;
  /** A short name to show (`API key`); the key itself unless given. */
  label?: string;
  description?: string;
  /** Must be present (and not null). A required setting with a `default` may be left out. */
  required?: boolean;
  /** Settings: the value used when absent. Action fields: the mapping used when a send step leaves the field out. */
  default?: unknown;
  /** The only values allowed. */
  choices?: readonly FieldChoice[];
  /** @deprecated the same as `choices` (kit 1.x). */
  enum?: readonly (string | number)[];
  /** A list of values of `type` (each checked against `choices`, `format`, `minimum`, `maximum`, `properties`). */
  multiple?: boolean;
  /** For `object`: its keys, each a field of its own (unknown keys are refused). */
  properties?: Record<string, FieldSpec>;
  format?: FieldFormat;
  /** Inclusive bounds: of a number's value, of a string's length. */
  minimum?: number;
  maximum?: number;
  /** Settings only: never returned by the admin API, redacted from logs and errors. Mark anything that grants access. */
  secret?: boolean;
}

/** Fields by name: a destination's settings, or an action's payload. */
export type FieldSpecs = Record<string, FieldSpec>;

/** The values `choices` (or `enum`) allows, labels dropped. */
export function choiceValues(field: Pick<FieldSpec, 'choices' | 'enum'>): (string | number)[] | undefined {
  const choices = field.choices ?? field.enum;
  return choices?.map((choice) => (typeof choice === 'object' ? choice.value : choice));
}

// ---- Types inferred from specifications ----

type ChoiceValue<C> = C extends { value: infer V } ? V : C;

type ScalarOf<F extends FieldSpec> = F extends { choices: readonly (infer C)[] }
  ? ChoiceValue<C>
  : F extends { enum: readonly (infer E)[] }
    ? E
    : F['type'] extends 'string' | 'datetime'
      ? string
      : F['type'] extends 'number' | 'integer'
        ? number
        : F['type'] extends 'boolean'
          ? boolean
          : F['type'] extends 'array'
            ? unknown[]
            : F extends { format: 'http-headers' }
              ? Record<string, string>
              : F extends { properties: infer P extends FieldSpecs }
              ? InferPayload<P>
              : Record<string, unknown>;

/** The TypeScript type of one field's value. */
export type FieldValue<F extends FieldSpec> = F extends { multiple: true } ? ScalarOf<F>[] : ScalarOf<F>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type KeysWhere<S extends FieldSpecs, Present> = { [K in keyof S]: S[K] extends Present ? K : never }[keyof S];

/** A payload as `perform` gets it: required fields present, the others optional. */
export type InferPayload<S extends FieldSpecs> = Simplify<
  { [K in KeysWhere<S, { required: true }>]: FieldValue<S[K]> } & { [K in Exclude<keyof S, KeysWhere<S, { required: true }>>]?: FieldValue<S[K]> }
>;

/** Settings as `perform` gets them: defaults applied, so a setting with a default is always there. */
export type InferSettings<S extends FieldSpecs> = Simplify<
  { [K in KeysWhere<S, { required: true } | { default: {} }>]: FieldValue<S[K]> } & {
    [K in Exclude<keyof S, KeysWhere<S, { required: true } | { default: {} }>>]?: FieldValue<S[K]>;
  }
>;
