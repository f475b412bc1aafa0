import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { unstorableParts } from '../common/storable-text';

export type MessageType = 'track' | 'identify' | 'page';

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
  /** As sent; receivedAt when absent. */
  timestamp: string;
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

const jsonObject = (name: string) => z.record(z.string(), z.unknown(), { error: `${name} must be a JSON object` });
const identifier = (name: string) =>
  z.union([z.string().min(1, `${name} must not be empty`).max(255, `${name} is longer than 255 characters`), z.number()], {
    error: `${name} must be a string or a number`,
  });
const timestamp = z
  .string({ error: 'timestamp must be an ISO-8601 date string' })
  .refine((value) => !Number.isNaN(Date.parse(value)), 'timestamp must be an ISO-8601 date string')
  // Date.parse takes years outside 1-9999 ("+010000-01-01T00:00:00Z"), which PostgreSQL cannot read (found by fast-check).
  .refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return Number.isNaN(year) || (year >= 1 && year <= 9999);
  }, 'timestamp must be a date between the years 1 and 9999')
  // Stored in one form PostgreSQL always reads, whatever form Date.parse accepted.
  .transform((value) => {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? value : date.toISOString();
  });

const common = {
  userId: identifier('userId').nullish(),
  anonymousId: identifier('anonymousId').nullish(),
  messageId: z.string({ error: 'messageId must be a string' }).min(1, 'messageId must not be empty').max(255, 'messageId is longer than 255 characters').optional(),
  timestamp: timestamp.optional(),
  context: jsonObject('context').optional(),
  integrations: jsonObject('integrations').optional(),
};

const schemas = {
  track: z.object({
    ...common,
    event: z.string({ error: 'event is required for track calls' }).trim().min(1, 'event must not be empty').max(255, 'event is longer than 255 characters'),
    properties: jsonObject('properties').optional(),
  }),
  identify: z.object({ ...common, traits: jsonObject('traits').optional() }),
  page: z.object({
    ...common,
    name: z.string({ error: 'name must be a string' }).max(255).optional(),
    category: z.string({ error: 'category must be a string' }).max(255).optional(),
    properties: jsonObject('properties').optional(),
  }),
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

/** Validates one message of a known type, returning every problem with its path. */
export function validateMessage(type: MessageType, raw: unknown, receivedAt: string, index?: number): { message?: AcceptedMessage; problems: IngestionProblem[] } {
  const at = (path: string, message: string): IngestionProblem => (index === undefined ? { path, message } : { index, path, message });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { problems: [at('', 'a message must be a JSON object')] };
  const parsed = schemas[type].safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => at(issue.path.join('.'), issue.message));
  const body = raw as Record<string, unknown>;
  const hasId = (value: unknown) => (typeof value === 'string' && value.length > 0) || typeof value === 'number';
  if (!hasId(body.userId) && !hasId(body.anonymousId)) problems.push(at('userId', 'userId or anonymousId is required'));
  if (!parsed.success || problems.length) return { problems };

  const parsedData = parsed.data as z.infer<(typeof schemas)['page']> & z.infer<(typeof schemas)['track']> & z.infer<(typeof schemas)['identify']>;
  // The JSON objects as sent, not zod's copies: a copy assigns keys, and a "__proto__" key (valid JSON)
  // would set the copy's prototype instead of being kept.
  const sent = (key: 'properties' | 'traits' | 'context') => (parsedData[key] === undefined ? undefined : (body[key] as Record<string, unknown>));
  const data = { ...parsedData, properties: sent('properties'), traits: sent('traits'), context: sent('context') };
  const userId = data.userId != null ? String(data.userId) : String(data.anonymousId);
  const properties = type === 'page' ? pageProperties(data) : (data.properties ?? {});
  return {
    problems: [],
    message: {
      type,
      userId,
      anonymousId: data.anonymousId != null ? String(data.anonymousId) : null,
      event: type === 'track' ? data.event : type === 'page' ? PAGE_VIEWED_EVENT : null,
      properties,
      traits: type === 'identify' ? (data.traits ?? {}) : null,
      context: data.context ?? {},
      messageId: data.messageId ?? randomUUID(),
      timestamp: data.timestamp ?? receivedAt,
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

/** A batch is all or nothing: one bad message means none is stored, and every problem is reported. */
export function validateBatch(raw: unknown, receivedAt: string): { messages: AcceptedMessage[]; problems: IngestionProblem[] } {
  const batch = (raw as { batch?: unknown } | null)?.batch;
  if (!Array.isArray(batch)) return { messages: [], problems: [{ path: 'batch', message: 'batch must be an array of messages' }] };
  if (batch.length === 0) return { messages: [], problems: [{ path: 'batch', message: 'batch must hold at least one message' }] };
  const messages: AcceptedMessage[] = [];
  const problems: IngestionProblem[] = [];
  batch.forEach((item, index) => {
    const type = (item as { type?: unknown } | null)?.type;
    if (type !== 'track' && type !== 'identify' && type !== 'page') {
      problems.push({ index, path: 'type', message: `type must be track, identify or page, not ${JSON.stringify(type ?? null)}` });
      return;
    }
    const result = validateMessage(type, item, receivedAt, index);
    problems.push(...result.problems);
    if (result.message) messages.push(result.message);
  });
  return { messages: problems.length ? [] : messages, problems };
}
