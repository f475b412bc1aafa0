import { GraphQLError, parse, type OperationDefinitionNode } from 'graphql';

/**
 * graphql-ws onSubscribe: a socket carries queries and subscriptions, never mutations. Operations on a
 * socket do not pass the HTTP API's Apollo plugins, so a mutation there would escape the READ scope and
 * the audit log.
 */
export function refuseMutationsOnSockets(payload: { query?: unknown; operationName?: string | null }): readonly GraphQLError[] | void {
  if (typeof payload.query !== 'string') return undefined;
  let operations: OperationDefinitionNode[];
  try {
    operations = parse(payload.query).definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition');
  } catch {
    return undefined; // graphql-ws reports the syntax error itself.
  }
  const chosen = payload.operationName ? operations.find((operation) => operation.name?.value === payload.operationName) : operations[0];
  if (chosen?.operation !== 'mutation') return undefined;
  return [new GraphQLError('mutations are not accepted over graphql-ws: send them over HTTP', { extensions: { code: 'FORBIDDEN' } })];
}
