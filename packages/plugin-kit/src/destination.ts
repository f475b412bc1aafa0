import type { FieldSpec, FieldSpecs, FieldType, InferPayload, InferSettings } from './fields';
import type { RequestClient } from './request';

export type { FieldType } from './fields';

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

/** A value type a setting may declare (the same as an action field's). */
export type SettingType = FieldType;

/** One setting of a destination (a URL, an API key...), validated when a destination is created or updated. */
export type SettingField = FieldSpec;

/** A destination's settings, by name. */
export type SettingsSchema = FieldSpecs;

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

/** One field of an action's payload; its `default` is a mapping, e.g. `{ '@path': '$.entry.properties' }`. */
export type ActionField = FieldSpec;

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
  /** Logs under the plugin's name; the destination's secret settings are redacted from what it writes. */
  logger: PluginLogger;
  /**
   * The HTTP client for this attempt: any method, JSON, form and query string bodies, timeouts, redirects
   * under the outbound address policy, errors classified for retrying (`Retry-After` honoured), secret
   * settings redacted from its errors. Already bound to `signal`.
   */
  request: RequestClient;
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
  /**
   * Optional: delivers several payloads of one destination in one call. Deliveries to this action are
   * then grouped (see `batching`) and `performBatch` gets them together; resolve one result per item, in
   * order: a `PerformResult` (or nothing) when that item was accepted, an `Error` when it was not
   * (`PermanentError` fails that delivery, anything else retries it). Throwing fails every item alike.
   */
  performBatch?(input: BatchPerformInput<Settings, Payload>): Promise<(PerformResult | void | Error)[]>;
  /** How deliveries are grouped for `performBatch`; a destination's `batchSize` / `batchMaxWaitMs` settings win. */
  batching?: BatchingOptions;
}

/** At most `size` deliveries per call (100 unless given), waiting at most `maxWaitMs` (1000) for the group to fill. */
export interface BatchingOptions {
  size?: number;
  maxWaitMs?: number;
}

/** One delivery of a batch: its payload and the ids `perform` would get. */
export type BatchItem<Payload = unknown> = Pick<PerformInput<unknown, Payload>, 'payload' | 'idempotencyKey' | 'stepKey' | 'journeyId' | 'instanceId' | 'userId' | 'eventName'>;

/** Everything `performBatch` gets: the items, and what `perform` gets once for all of them. */
export interface BatchPerformInput<Settings = unknown, Payload = unknown> extends Pick<PerformInput<Settings, Payload>, 'settings' | 'signal' | 'logger' | 'request'> {
  items: BatchItem<Payload>[];
  /** `items`' payloads, in the same order. */
  payloads: Payload[];
}

/** What `testAuthentication` gets: the settings being tested (defaults applied) and a request client. */
export interface AuthenticationInput<Settings = unknown> {
  settings: Settings;
  /** As `perform`'s: the outbound address policy applies and secret settings are redacted from its errors. */
  request: RequestClient;
  signal: AbortSignal;
  logger: PluginLogger;
}

/** How a destination checks its credentials, before any delivery needs them. */
export interface AuthenticationDefinition<Settings = unknown> {
  /**
   * Resolves when the destination accepts the settings' credentials (a cheap authenticated call, such as
   * "who am I"). Throw, or resolve `false`, when it refuses them: the error's message tells the user why.
   * Run by the `testDestination` mutation, and by `createDestination(..., testAuthentication: true)`.
   */
  testAuthentication(input: AuthenticationInput<Settings>): Promise<unknown>;
}

/** A destination plugin: what `plugins/<name>/index.ts` default-exports. */
export interface DestinationDefinition<Settings = unknown> {
  /** Stable identifier stored with each destination, e.g. `webhook`. */
  name: string;
  /**
   * The versions of `@itinera/plugin-kit` this plugin works with, as a semver range (`^2.0.0`). Itinera
   * refuses to load a plugin whose range does not include its kit's version (`KIT_VERSION`).
   */
  kitVersion: string;
  displayName: string;
  description?: string;
  settings: SettingsSchema;
  /** By name; an action typed with its own payload (`ActionDefinition<Settings, SendPayload>`) fits here. */
  actions: Record<string, ActionDefinition<Settings>>;
  /** How to check the credentials in the settings; destinations without it cannot be tested. */
  authentication?: AuthenticationDefinition<Settings>;
}

/** An action as `actionFor` takes it: `perform`'s payload type is inferred from `fields`. */
export interface ActionSpec<Settings, Fields extends FieldSpecs> extends Omit<ActionDefinition<Settings, InferPayload<Fields>>, 'fields'> {
  fields: Fields;
}

/** A destination as written for `defineDestination`: its settings' specifications type every `perform`'s `settings`. */
export interface DestinationSpec<Settings extends FieldSpecs> extends Omit<DestinationDefinition<InferSettings<Settings>>, 'settings'> {
  settings: Settings;
}

/**
 * Returns its argument, typed: `perform` gets `settings` typed from the settings' specifications
 * (`InferSettings`), so a plugin writes no settings interface. Actions made with `actionFor` have their
 * payload typed from their fields as well.
 */
export function defineDestination<const Settings extends FieldSpecs>(definition: DestinationSpec<Settings>): DestinationSpec<Settings> & DestinationDefinition<InferSettings<Settings>> {
  return definition;
}

/** Settings' specifications kept apart, for `actionFor` and `InferSettings<typeof settings>`. */
export function defineSettings<const Settings extends FieldSpecs>(settings: Settings): Settings {
  return settings;
}

/**
 * Makes the actions of a destination with these settings: `action({ title, fields, perform })` returns
 * the action as given, with `perform`'s `settings` typed from `settings` and its `payload` from `fields`
 * (`InferPayload`). TypeScript infers a payload from an action's own call, not from inside a larger object.
 */
export function actionFor<const Settings extends FieldSpecs>(settings: Settings) {
  void settings;
  return <const Fields extends FieldSpecs>(action: ActionSpec<InferSettings<Settings>, Fields>): ActionSpec<InferSettings<Settings>, Fields> => action;
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
