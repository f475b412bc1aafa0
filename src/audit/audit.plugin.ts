import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type FragmentDefinitionNode } from 'graphql';
import type { RequestContext } from '../workspaces/request-context';
import { AuditRecorder, type PendingAudit } from './audit-recorder';

/** Records every mutation an ADMIN token or the root token runs (READ tokens are refused before execution). */
export function auditPlugin(recorder: AuditRecorder): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      let pending: PendingAudit[] | null = null;
      return {
        async executionDidStart({ operation, document, schema, request, contextValue }) {
          if (operation.operation !== 'mutation' || (!contextValue.token && !contextValue.isRoot)) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          pending = await recorder.prepare(schema, operation, fragments, request.variables ?? {}, contextValue);
        },
        async willSendResponse({ response, contextValue }) {
          if (!pending || response.body.kind !== 'single') return;
          await recorder.record(pending, response.body.singleResult, contextValue);
        },
      };
    },
  };
}
