import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { unstorableParts } from '../common/storable-text';
import { correctClockSkew } from './clock-skew';
import { readIsoTimestamp } from './iso-timestamp';

/** Every call type of the Segment libraries. */
export const MESSAGE_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
/** The types stored as events and applied by the runtime; `group` and `alias` are acknowledged (alias also merges profiles). */
export type StoredEventType = 'track' | 'identify' | 'page' | 'screen';
export const isStoredAsEvent = (message: AcceptedMessage): message is AcceptedMessage & { type: StoredEventType } =>
  message.type !== 'group' && message.type !== 'alias';

/** A message that passed validation, normalised for storage. */
export interface AcceptedMessage {
  type: MessageType;
  /** The profile key: userId, else anonymousId. */
  userId: string;
  anonymousId: string | null;
  event: string | null;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
  messageId: string;
  /** When it happened, on the server's clock: as sent, corrected by the client's clock skew when `sentAt` came too; receivedAt when absent. */
  timestamp: string;
  /** The timestamp as sent, before any correction. */
  originalTimestamp: string | null;
  /** alias: the identity the user had before (its profile's traits are merged into this one's). */
  previousId?: string;
  /** group: the account the user belongs to. */
  groupId?: string;
}

export interface IngestionProblem {
  index?: number;
  path: string;
  message: string;
}

/** Like the reference API. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
export const MAX_REQUEST_BYTES = 500 * 1024;
export const PAGE_VIEWED_EVENT = 'Page Viewed';
export const SCREEN_VIEWED_EVENT = 'Screen Viewed';

const jsonObject = (name: string) => z.record(z.string(), z.unknown(), { error: `${name} must be a JSON object` });
const identifier = (name: string) =>
  z.union([z.string().min(1, `${name} must not be empty`).max(255, `${name} is longer than 255 characters`), z.number()], {
    error: `${name} must be a string or a number`,
  });
/** ISO-8601 only, checked by readIsoTimestamp (no Date.parse guessing); normalised later, with the clock-skew correction. */
const isoTimestamp = (field: string) =>
  z.string({ error: `${field} must be an ISO-8601 date string, such as 2024-05-01T10:00:00Z` }).superRefine((value, ctx) => {
    const reading = readIsoTimestamp(value, field);
    if ('problem' in reading) ctx.addIssue({ code: 'custom', message: reading.problem });
  });

const common = {
  userId: identifier('userId').nullish(),
  anonymousId: identifier('anonymousId').nullish(),
  messageId: z.string({ error: 'messageId must be a string' }).min(1, 'messageId must not be empty').max(255, 'messageId is longer than 255 characters').optional(),
  timestamp: isoTimestamp('timestamp').optional(),
  sentAt: isoTimestamp('sentAt').optional(),
  context: jsonObject('context').optional(),
  integrations: jsonObject('integrations').optional(),
};

/** A page (web) or screen (app) view: stored as a `Page Viewed` / `Screen Viewed` event with name and category among its properties. */
const viewed = z.object({
  ...common,
  name: z.string({ error: 'name must be a string' }).max(255).optional(),
  category: z.string({ error: 'category must be a string' }).max(255).optional(),
  properties: jsonObject('properties').optional(),
});

const schemas = {
  track: z.object({
    ...common,
    event: z.string({ error: 'event is required for track calls' }).trim().min(1, 'event must not be empty').max(255, 'event is longer than 255 characters'),
    properties: jsonObject('properties').optional(),
  }),
  identify: z.object({ ...common, traits: jsonObject('traits').optional() }),
  page: viewed,
  screen: viewed,
  group: z.object({ ...common, groupId: identifier('groupId'), traits: jsonObject('traits').optional() }),
  alias: z.object({ ...common, userId: identifier('userId'), previousId: identifier('previousId') }),
};

/**
 * What PostgreSQL cannot store however the message is shaped, checked first (so nesting cannot exhaust
 * the stack of the checks after it): nesting deeper than MAX_INPUT_NESTING, and text holding a NUL or an
 * unpaired surrogate. Refused with HTTP 400 rather than failing the insert, which would answer 503 and
 * invite the client to retry forever.
 */
export function unstorableProblems(messages: unknown[], batched: boolean): IngestionProblem[] {
  return messages.flatMap((message, index) =>
    unstorableParts(message).map((part) => ({ ...(batched ? { index } : {}), path: part.path.join('.'), message: part.message })),
  );
}

/** Messages over 32 KB are refused with HTTP 413 before any other check. */
export function oversizeProblems(messages: unknown[], batched: boolean): IngestionProblem[] {
  return messages.flatMap((message, index) =>
    Buffer.byteLength(JSON.stringify(message) ?? '') > MAX_MESSAGE_BYTES
      ? [{ ...(batched ? { index } : {}), path: '', message: `message is larger than ${MAX_MESSAGE_BYTES / 1024} KB` }]
      : [],
  );
}

/**
 * Validates one message of a known type, returning every problem with its path. `batchSentAt` is the
 * batch's own `sentAt` (what the batching browser library and the mobile libraries send), used when
 * the message has none.
 */
export function validateMessage(
  type: MessageType,
  raw: unknown,
  receivedAt: string,
  index?: number,
  batchSentAt?: unknown,
): { message?: AcceptedMessage; problems: IngestionProblem[] } {
  const at = (path: string, message: string): IngestionProblem => (index === undefined ? { path, message } : { index, path, message });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { problems: [at('', 'a message must be a JSON object')] };
  const body = raw as Record<string, unknown>;
  const parsed = schemas[type].safeParse(body.sentAt === undefined && batchSentAt !== undefined ? { ...body, sentAt: batchSentAt } : body);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => at(issue.path.join('.'), issue.message));
  const hasId = (value: unknown) => (typeof value === 'string' && value.length > 0) || typeof value === 'number';
  if (!hasId(body.userId) && !hasId(body.anonymousId)) problems.push(at('userId', 'userId or anonymousId is required'));
  if (!parsed.success || problems.length) return { problems };

  type Parsed = z.infer<(typeof schemas)['page']> & z.infer<(typeof schemas)['track']> & z.infer<(typeof schemas)['identify']> & { groupId?: string | number; previousId?: string | number };
  const parsedData = parsed.data as Parsed;
  const when = correctClockSkew({ timestamp: parsedData.timestamp, sentAt: parsedData.sentAt, receivedAt });
  if ('problem' in when) return { problems: [at('sentAt', when.problem)] };
  // The JSON objects as sent, not zod's copies: a copy assigns keys, and a "__proto__" key (valid JSON)
  // would set the copy's prototype instead of being kept.
  const sent = (key: 'properties' | 'traits' | 'context') => (parsedData[key] === undefined ? undefined : (body[key] as Record<string, unknown>));
  const data = { ...parsedData, properties: sent('properties'), traits: sent('traits'), context: sent('context') };
  const userId = data.userId != null ? String(data.userId) : String(data.anonymousId);
  const isView = type === 'page' || type === 'screen';
  return {
    problems: [],
    message: {
      type,
      userId,
      anonymousId: data.anonymousId != null ? String(data.anonymousId) : null,
      event: type === 'track' ? data.event : type === 'page' ? PAGE_VIEWED_EVENT : type === 'screen' ? SCREEN_VIEWED_EVENT : null,
      properties: isView ? pageProperties(data) : type === 'track' ? (data.properties ?? {}) : {},
      // Only identify traits are the user's; a group call's traits describe the group.
      traits: type === 'identify' ? (data.traits ?? {}) : null,
      context: data.context ?? {},
      messageId: data.messageId ?? randomUUID(),
      timestamp: when.timestamp,
      originalTimestamp: when.originalTimestamp,
      ...(type === 'alias' ? { previousId: String(data.previousId) } : {}),
      ...(type === 'group' ? { groupId: String(data.groupId) } : {}),
    },
  };
}

function pageProperties(data: { name?: string; category?: string; properties?: Record<string, unknown> }) {
  return {
    ...(data.name !== undefined ? { name: data.name } : {}),
    ...(data.category !== undefined ? { category: data.category } : {}),
    ...(data.properties ?? {}),
  };
}

/**
 * A batch is all or nothing: one bad message means none is stored, and every problem is reported.
 * A message of a type Itinera does not know is acknowledged and skipped, never a reason to refuse the
 * batch (Segment libraries batch every call type, and the reference API accepts them).
 */
export function validateBatch(raw: unknown, receivedAt: string): { messages: AcceptedMessage[]; problems: IngestionProblem[] } {
  const body = raw as { batch?: unknown; sentAt?: unknown } | null;
  const batch = body?.batch;
  if (!Array.isArray(batch)) return { messages: [], problems: [{ path: 'batch', message: 'batch must be an array of messages' }] };
  if (batch.length === 0) return { messages: [], problems: [{ path: 'batch', message: 'batch must hold at least one message' }] };
  const messages: AcceptedMessage[] = [];
  const problems: IngestionProblem[] = [];
  batch.forEach((item, index) => {
    const type = (item as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || type === '') {
      problems.push({ index, path: 'type', message: `type must be one of ${MESSAGE_TYPES.join(', ')}, not ${JSON.stringify(type ?? null)}` });
      return;
    }
    if (!(MESSAGE_TYPES as readonly string[]).includes(type)) return;
    const result = validateMessage(type as MessageType, item, receivedAt, index, body?.sentAt);
    problems.push(...result.problems);
    if (result.message) messages.push(result.message);
  });
  return { messages: problems.length ? [] : messages, problems };
}
