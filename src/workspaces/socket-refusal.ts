import { bearerToken } from './workspace-tokens';

/** Why a graphql-ws connection is refused, as its close event tells the client (a reason fits in 123 bytes). */
export const SOCKET_REFUSALS = {
  missingToken: { code: 4401, reason: 'Unauthorized: connectionParams.authorization is missing; send "Bearer <admin token>"' },
  malformedToken: { code: 4401, reason: 'Unauthorized: connectionParams.authorization must be "Bearer <admin token>"' },
  unknownToken: { code: 4403, reason: 'Forbidden: the token is not an API token of any workspace' },
} as const;

export type SocketRefusal = (typeof SOCKET_REFUSALS)[keyof typeof SOCKET_REFUSALS];

/** The refusal for connectionParams.authorization before the token is looked up, or null when it has the right form. */
export function refusalForAuthorization(authorization: unknown): SocketRefusal | null {
  if (authorization === undefined || authorization === null || authorization === '') return SOCKET_REFUSALS.missingToken;
  return bearerToken(authorization) ? null : SOCKET_REFUSALS.malformedToken;
}

/**
 * Closes the socket with the refusal's code and reason. graphql-ws itself would close with a bare
 * 4403 "Forbidden" when onConnect returns false; closing first makes the reason say what is missing.
 */
export function refuseSocket(extra: unknown, refusal: SocketRefusal): false {
  const socket = (extra as { socket?: { close(code: number, reason: string): void } } | undefined)?.socket;
  socket?.close(refusal.code, refusal.reason);
  return false;
}
