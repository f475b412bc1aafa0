import type { ApolloServerPlugin } from '@apollo/server';
import { FieldNode, GraphQLError, Kind, SelectionSetNode, ValidationContext, ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Deep enough for any real dashboard query; a deeper one is almost certainly abusive. */
export const MAX_QUERY_DEPTH = 12;
/** Roughly the number of objects a query may ask for: list fields count `first` times their selection. */
export const MAX_QUERY_COMPLEXITY = 20_000;

/** Refuses operations nested deeper than `max` (introspection fields are not counted). */
export function depthLimit(max = MAX_QUERY_DEPTH): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map(context.getDocument().definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
    const depthOf = (selectionSet: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if ((selection as FieldNode).name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, seen));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (fragment && !seen.has(name)) deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, name])));
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, new Set());
        if (depth > max) {
          context.reportError(
            new GraphQLError(`query is ${depth} levels deep; at most ${max} are allowed`, { nodes: [operation], extensions: { code: 'LIMIT_EXCEEDED' } }),
          );
        }
      },
    };
  };
}

/** Refuses operations whose estimated cost is over `max`, before anything is resolved. */
export function complexityLimit(max = MAX_QUERY_COMPLEXITY): ApolloServerPlugin {
  return {
    async requestDidStart({ schema }) {
      return {
        async didResolveOperation({ request, document }) {
          const complexity = getComplexity({
            schema,
            query: document,
            operationName: request.operationName,
            variables: request.variables,
            estimators: [
              ({ args, childComplexity }) => {
                const first = typeof args.first === 'number' ? args.first : undefined;
                return first !== undefined ? 1 + first * Math.max(childComplexity, 1) : undefined;
              },
              simpleEstimator({ defaultComplexity: 1 }),
            ],
          });
          if (complexity > max) {
            throw new GraphQLError(`query is too complex (${complexity}, at most ${max}): ask for fewer items or fewer fields`, {
              extensions: { code: 'LIMIT_EXCEEDED' },
            });
          }
        },
      };
    },
  };
}
