import { IntrinsicException } from '@nestjs/common';
import { GraphQLFormattedError } from 'graphql';
import type { Problem } from '../engine/problem';

export type { Problem };

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'LIMIT_EXCEEDED'
  | 'INVALID_STATE';

/**
 * An error a caller can act on. Services throw these; `formatGraphqlError` is the one place that maps
 * them to GraphQL. (IntrinsicException: Nest does not log them as failures, they are answers.)
 */
export class DomainError extends IntrinsicException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems?: Problem[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const unauthenticated = (message = 'a valid admin token is required (Authorization: Bearer <token>)') =>
  new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} ${id} not found`);
export const badUserInput = (problems: Problem[], message?: string) =>
  new DomainError(
    'BAD_USER_INPUT',
    message ?? `invalid input: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`,
    problems,
  );
export const conflict = (message: string) => new DomainError('CONFLICT', message);
export const limitExceeded = (message: string) => new DomainError('LIMIT_EXCEEDED', message);
export const invalidState = (message: string) => new DomainError('INVALID_STATE', message);

/**
 * Apollo's formatError hook: domain errors keep their code (and problems); GraphQL's own validation
 * errors keep theirs; anything else is an internal error whose details stay in the log, not the response.
 */
export function formatGraphqlError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logUnexpected: (error: unknown) => void,
): GraphQLFormattedError {
  const original = originalError(error);
  if (original instanceof DomainError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: original.code, ...(original.problems ? { problems: original.problems } : {}) },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  logUnexpected(original ?? error);
  return { message: 'internal error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

function originalError(error: unknown): unknown {
  let current = error as { originalError?: unknown } | undefined;
  while (current && typeof current === 'object' && 'originalError' in current && current.originalError) {
    current = current.originalError as { originalError?: unknown };
  }
  return current;
}
