import { DocumentNode, getOperationAST, GraphQLError } from 'graphql';

/**
 * Mutations go over HTTP only: operations on a socket skip the Apollo plugins that enforce a token's
 * scope and record the audit log, so a mutation there would escape both. Given the parsed (and already
 * size-checked) document of a graphql-ws subscribe message.
 */
export function refuseMutationsOnSockets(document: DocumentNode, operationName?: string | null): GraphQLError[] | undefined {
  if (getOperationAST(document, operationName ?? undefined)?.operation !== 'mutation') return undefined;
  return [new GraphQLError('mutations are not accepted over graphql-ws: send them over HTTP', { extensions: { code: 'FORBIDDEN' } })];
}
