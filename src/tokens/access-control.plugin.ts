import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, visit, type DocumentNode } from 'graphql';
import { forbidden, unauthenticated } from '../common/errors';
import type { RequestContext } from '../workspaces/request-context';

/**
 * Rules on whole operations, before any resolver runs: a READ token may run queries and subscriptions
 * only; introspection needs a token unless `introspectionWithoutToken` (laptop mode).
 */
export function accessControlPlugin({ introspectionWithoutToken }: { introspectionWithoutToken: boolean }): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (operation?.operation === 'mutation' && contextValue.token?.scope === 'READ') {
            throw forbidden('this API token has the READ scope: queries and subscriptions only');
          }
          if (!introspectionWithoutToken && !contextValue.workspace && !contextValue.isRoot && selectsIntrospection(document)) {
            throw unauthenticated('introspection needs a token (Authorization: Bearer <token>)');
          }
        },
      };
    },
  };
}

/** Anywhere in the document, fragments included. */
function selectsIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
