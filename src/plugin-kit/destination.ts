/**
 * The shape of a destination plugin: a plain object with settings fields and actions, each action with
 * `fields` and one `perform`. Field declarations drive validation, the admin API's schema and the docs alike.
 */

/** One problem found in an input, with the path of the offending value (`settings.url`, `data.email`). */
export interface Problem {
  path: string;
  message: string;
}

/** Problems as one line for an error message: `data is required; settings.url must be a string`. */
export function describeProblems(problems: Problem[]): string {
  return problems.map((problem) => (problem.path ? `${problem.path} ${problem.message}` : problem.message)).join('; ');
}

/** A value type a setting may declare. */
export type SettingType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';

/** One setting of a destination (a URL, an API key...), validated when a destination is created or updated. */
export interface SettingField {
  type: SettingType;
  /** A required setting without a `default` must be given. */
  required?: boolean;
  /** Never returned by the admin API (see `redactSettings`). Mark anything that grants access. */
  secret?: boolean;
  description?: string;
  /** Used when the setting is absent. */
  default?: unknown;
  /** The only values allowed. */
  enum?: readonly (string | number)[];
  /**
   * `uri`: an absolute http(s) URL. `http-headers`: an object of HTTP header names to string values that
   * can be sent (no control characters such as CR, LF or NUL), refused when saved rather than at every send.
   */
  format?: 'uri' | 'http-headers';
  /** Inclusive bounds for `number` and `integer` settings. */
  minimum?: number;
  maximum?: number;
}

/** A destination's settings, by name. */
export type SettingsSchema = Record<string, SettingField>;

/** A value type an action field may declare; `datetime` is an ISO-8601 string (`2025-03-01T10:00:00Z`). */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'datetime';

/** A `@path` into the journey context (`$.traits.email`). */
export interface PathDirective {
  '@path': string;
}

/** A text with `{{path}}` placeholders (`Hi {{traits.first_name}}`). */
export interface TemplateDirective {
  '@template': string;
}

/** JSON whose leaves are literals or directives; evaluated against the journey context by `evaluateMapping`. */
export type Mapping =
  | string
  | number
  | boolean
  | null
  | PathDirective
  | TemplateDirective
  | Mapping[]
  | { [key: string]: Mapping };

/** One field of an action's payload. */
export interface ActionField {
  type: FieldType;
  /** A required field must be present (and not null) in the mapped payload. */
  required?: boolean;
  description?: string;
  /** The mapping used when a send step's mapping leaves this field out, e.g. `{ '@path': '$.entry.properties' }`. */
  default?: Mapping;
  /** The only values allowed. */
  enum?: readonly (string | number)[];
}

/** What a plugin writes its logs through; `fields` become structured log properties. */
export interface PluginLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Everything `perform` gets for one delivery attempt. */
export interface PerformInput<Settings = unknown, Payload = unknown> {
  /** The mapped payload, already validated against the action's fields. */
  payload: Payload;
  /** The destination's settings, with defaults applied. */
  settings: Settings;
  /**
   * `<instanceId>:<stepKey>:<visit>`: the same for every retry of one delivery. Pass it on to the receiving
   * system so that at-least-once delivery becomes exactly-once there.
   */
  idempotencyKey: string;
  /** The send step's stable key. */
  stepKey: string;
  journeyId: string;
  instanceId: string;
  userId: string;
  /** The send step's event name, if it has one. */
  eventName?: string;
  /** True when a test run sent it (a test profile in a journey under test, or `sendTestEvent`): pass it on. */
  test?: boolean;
  /** Aborted when the attempt must stop (worker shutdown); pass it to every I/O call. */
  signal: AbortSignal;
  logger: PluginLogger;
}

/** What a successful `perform` may report; shown by `sendTestEvent` and stored with the delivery. */
export interface PerformResult {
  status?: number;
  response?: unknown;
}

/** One thing a destination can do, such as "send" or "track". */
export interface ActionDefinition<Settings = unknown, Payload = unknown> {
  title: string;
  description?: string;
  fields: Record<string, ActionField>;
  /**
   * Delivers one payload. Resolve when the destination has accepted it; throw `PermanentError` when
   * retrying cannot help, anything else is retried.
   */
  perform(input: PerformInput<Settings, Payload>): Promise<PerformResult | void>;
}

/** A destination plugin: what `plugins/<name>/index.ts` default-exports. */
export interface DestinationDefinition<Settings = unknown> {
  /** Stable identifier stored with each destination, e.g. `webhook`. */
  name: string;
  displayName: string;
  description?: string;
  settings: SettingsSchema;
  /** By name; an action typed with its own payload (`ActionDefinition<Settings, SendPayload>`) fits here. */
  actions: Record<string, ActionDefinition<Settings>>;
}

/** Returns its argument; exists so TypeScript infers and checks a plugin's types. */
export function defineDestination<Settings>(definition: DestinationDefinition<Settings>): DestinationDefinition<Settings> {
  return definition;
}

/** An event captured by a hold step, stored under `events.<stepKey>`. */
export interface CapturedEvent {
  event: string;
  properties: Record<string, unknown>;
  timestamp: string;
}

/** The document a journey instance carries; mappings read from it (`$.entry.properties.Application_id`). */
export interface JourneyContext {
  userId: string;
  journey: { id: string; name: string; version: number };
  instance: { id: string; uniqueId?: string | null; enteredAt: string };
  entry: { event: string; properties: Record<string, unknown>; timestamp: string; messageId: string };
  events: Record<string, CapturedEvent>;
  /** The profile's traits, read when the step runs. */
  traits: Record<string, unknown>;
}
