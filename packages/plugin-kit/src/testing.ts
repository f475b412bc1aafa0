/**
 * Helpers for testing plugins: run an action the way a send step does, and record what an HTTP
 * destination receives. Imported by tests only (`@itinera/plugin-kit/testing`), never by production code.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performAttempt, PERFORM_DEADLINE_MS, type AttemptOutcome } from './attempt';
import {
  describeProblems,
  type ActionDefinition,
  type DestinationDefinition,
  type JourneyContext,
  type PerformInput,
  type PerformResult,
  type PluginLogger,
} from './destination';
import { PermanentError } from './errors';
import { DestinationAddressPolicy, installDestinationAddressPolicy } from './http-address-policy';
import { buildPayload } from './payload';
import { createRequestClient } from './request';
import { redactingLogger, secretValues } from './secrets';
import { applySettingDefaults, validateSettings } from './settings';

/**
 * A journey context from the application-abandonment use case: user 88 started application 1234 and did
 * not complete it in time.
 */
export const sampleJourneyContext: JourneyContext = {
  userId: '88',
  journey: { id: 'journey-application-nudge', name: 'Application nudge', version: 1 },
  instance: { id: 'instance-88-1234', uniqueId: '1234', enteredAt: '2025-03-01T10:00:00.000Z' },
  entry: {
    event: 'Application_Started',
    properties: { Category: 'A', Tier: 'Premium', VIP: true, Application_id: '1234', scenario: 'Trigger campaign with Application Started' },
    timestamp: '2025-03-01T10:00:00.000Z',
    messageId: 'msg-application-started-1234',
  },
  events: {},
  traits: { email: 'ada@example.com', first_name: 'Ada' },
};

/** How to run one action; everything but `settings` has a sensible default. */
export interface RunActionOptions {
  /** The destination's settings as a user would enter them; defaults are applied. */
  settings: Record<string, unknown>;
  /** The send step's mapping; the fields' default mappings fill what it leaves out. */
  mapping?: unknown;
  /** The journey context the mapping reads; `sampleJourneyContext` unless given. */
  context?: object;
  /** `<instanceId>:<stepKey>:1` unless given. */
  idempotencyKey?: string;
  stepKey?: string;
  eventName?: string;
  journeyId?: string;
  instanceId?: string;
  userId?: string;
  /** As a test run's send (`PerformInput.test`). */
  test?: boolean;
  signal?: AbortSignal;
  logger?: PluginLogger;
}

const silentLogger: PluginLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Runs `actionName` as a send step would: validates the settings and applies their defaults, builds the
 * payload from the mapping and context, then calls `perform`. Invalid settings or payloads throw a
 * `PermanentError` listing every problem, as they would fail a real delivery; what `perform` throws is
 * thrown as is. `runDelivery` runs the whole delivery pipeline instead and reports its outcome.
 */
export async function runAction<Settings>(
  destination: DestinationDefinition<Settings>,
  actionName: string,
  options: RunActionOptions,
): Promise<PerformResult | void> {
  const prepared = prepare(destination, actionName, options);
  if (prepared.kind !== 'ready') throw new PermanentError(prepared.problems);
  const { action, input, secrets } = prepared;
  const signal = options.signal ?? new AbortController().signal;
  return action.perform({ ...input, signal, logger: redactingLogger(input.logger, secrets), request: createRequestClient({ signal, secrets }) });
}

/** What one delivery came to, as the delivery worker records it, with the payload it was built from. */
export type DeliveryRun = AttemptOutcome & { payload: Record<string, unknown> | null };

/**
 * Runs `actionName` through the pipeline of a real delivery: the settings validated and defaulted, the
 * mapping (with the fields' default mappings) evaluated against the context, the payload validated, one
 * attempt made by the same code the delivery worker runs (`request` client, deadline, secrets redacted)
 * and its outcome classified: `delivered`, `retryable` (with `retryAfterMs` when the destination asked)
 * or `permanent`. A payload that does not fit its fields is a permanent outcome, as for a delivery.
 * Invalid settings throw: a destination with them cannot be saved.
 */
export async function runDelivery<Settings>(
  destination: DestinationDefinition<Settings>,
  actionName: string,
  options: RunActionOptions & { deadlineMs?: number },
): Promise<DeliveryRun> {
  const prepared = prepare(destination, actionName, options);
  if (prepared.kind !== 'ready') {
    if (prepared.kind === 'unusable') throw new PermanentError(prepared.problems);
    return { result: 'permanent', error: prepared.problems, status: null, payload: null };
  }
  const { action, input, secrets } = prepared;
  const outcome = await performAttempt(action as ActionDefinition, { ...(input as Omit<PerformInput, 'signal' | 'request'>), secrets }, { deadlineMs: options.deadlineMs ?? PERFORM_DEADLINE_MS, signal: options.signal });
  return { ...outcome, payload: input.payload as Record<string, unknown> };
}

/** `unusable`: no such action, or invalid settings. `unfit`: the mapped payload does not fit the fields. */
type Prepared<Settings> =
  | { kind: 'unusable' | 'unfit'; problems: string }
  | { kind: 'ready'; action: ActionDefinition<Settings>; input: Omit<PerformInput<Settings>, 'signal' | 'request'>; secrets: string[] };

function prepare<Settings>(destination: DestinationDefinition<Settings>, actionName: string, options: RunActionOptions): Prepared<Settings> {
  if (!Object.hasOwn(destination.actions, actionName)) {
    const known = Object.keys(destination.actions).join(', ');
    return { kind: 'unusable', problems: `${destination.name} has no action "${actionName}" (actions: ${known})` };
  }
  const action = destination.actions[actionName];

  const settingProblems = validateSettings(destination.settings, options.settings);
  if (settingProblems.length > 0) return { kind: 'unusable', problems: `invalid settings: ${describeProblems(settingProblems)}` };

  const context = options.context ?? sampleJourneyContext;
  const { payload, problems } = buildPayload(action, options.mapping, context);
  if (problems.length > 0) return { kind: 'unfit', problems: `invalid payload for ${destination.name}.${actionName}: ${describeProblems(problems)}` };

  const known = context as Partial<JourneyContext>;
  const instanceId = options.instanceId ?? known.instance?.id ?? 'test-instance';
  const stepKey = options.stepKey ?? 'test_step';
  const settings = applySettingDefaults(destination.settings, options.settings);
  const input = {
    payload,
    settings: settings as Settings,
    idempotencyKey: options.idempotencyKey ?? `${instanceId}:${stepKey}:1`,
    stepKey,
    eventName: options.eventName,
    journeyId: options.journeyId ?? known.journey?.id ?? 'test-journey',
    instanceId,
    userId: options.userId ?? known.userId ?? 'test-user',
    test: options.test,
    logger: options.logger ?? silentLogger,
  };
  return { kind: 'ready', action, input, secrets: secretValues(destination.settings, settings) };
}

/**
 * Lets `request` and `postJson` reach loopback addresses, as laptop mode does, so a plugin's tests can send to a
 * `RecordingServer` (the kit refuses loopback until the application installs its policy).
 */
export function allowLoopbackDestinations(): void {
  installDestinationAddressPolicy(new DestinationAddressPolicy({ allowLoopback: true, allowed: [] }));
}

/** One request a `RecordingServer` received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/track`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received, for checking signatures. */
  rawBody: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** When the body had fully arrived (ms since the epoch), for timing assertions. */
  receivedAt: number;
}

/** How the server answers: a status with an optional body (objects are sent as JSON), or no answer at all. */
export type RecordingReply = { status: number; body?: unknown; headers?: Record<string, string> } | 'no-answer';

/** A local HTTP server that records every request; see `startRecordingServer`. */
export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  /** Changes how later requests are answered. */
  replyWith(reply: RecordingReply | ((request: RecordedRequest) => RecordingReply)): void;
  /** Stops the server, dropping any request still waiting for an answer. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 (a free port) that records each request and answers 200 `{ "ok": true }`
 * unless told otherwise. After `close()`, its URL refuses connections.
 */
export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let replyFor: (request: RecordedRequest) => RecordingReply = () => ({ status: 200, body: { ok: true } });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, json: parseJson(rawBody), receivedAt: Date.now() };
      requests.push(recorded);
      answer(res, replyFor(recorded));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    replyWith(reply) {
      replyFor = typeof reply === 'function' ? reply : () => reply;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(res: ServerResponse, reply: RecordingReply): void {
  if (reply === 'no-answer') return;
  const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const type = typeof reply.body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(reply.status, { 'content-type': type, ...reply.headers });
  res.end(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
