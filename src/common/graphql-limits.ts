import type { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FieldNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
  visit,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { badUserInput, limitExceeded, type Problem } from './errors';
import { unstorableParts, unstorableText } from './storable-text';

/** Deep enough for any real dashboard query; a deeper one is almost certainly abusive. */
export const MAX_QUERY_DEPTH = 12;
/** Roughly the number of objects a query may ask for: list fields count `first` times their selection. */
export const MAX_QUERY_COMPLEXITY = 20_000;

/** How deeply each operation of the document nests its fields (introspection fields are not counted). */
export function operationDepths(document: DocumentNode): { operation: OperationDefinitionNode; depth: number }[] {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
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
  return document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [{ operation: d, depth: depthOf(d.selectionSet, new Set()) }] : []));
}

/** Errors for the operations of `document` nested deeper than `max`. */
export function depthErrors(document: DocumentNode, max = MAX_QUERY_DEPTH): GraphQLError[] {
  return operationDepths(document)
    .filter(({ depth }) => depth > max)
    .map(({ operation, depth }) => {
      const message = `query is ${depth} levels deep; at most ${max} are allowed`;
      // Apollo stamps every validation error GRAPHQL_VALIDATION_FAILED; the domain error underneath keeps LIMIT_EXCEEDED.
      return new GraphQLError(message, { nodes: [operation], originalError: limitExceeded(message), extensions: { code: 'LIMIT_EXCEEDED' } });
    });
}

/** The depth limit as a validation rule, for queries and mutations over HTTP. */
export function depthLimit(max = MAX_QUERY_DEPTH): ValidationRule {
  return (context: ValidationContext) => {
    for (const error of depthErrors(context.getDocument(), max)) context.reportError(error);
    return {};
  };
}

/** Refuses operations whose estimated cost is over `max`, before anything is resolved. */
export function complexityLimit(max = MAX_QUERY_COMPLEXITY): ApolloServerPlugin {
  return {
    async requestDidStart({ schema }) {
      return {
        async didResolveOperation({ request, document, operation }) {
          const problems = inputProblems(schema, document, operation, request.variables);
          if (problems.length) {
            throw new GraphQLError(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '), {
              originalError: badUserInput(problems),
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
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
              extensions: { code: 'LIMIT_EXCEEDED', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/**
 * Variables that do not fit their types, and inputs PostgreSQL could not store (see storable-text.ts),
 * refused before anything runs. getComplexity coerces the variables itself and throws graphql's bare
 * error for a value that does not fit, which would surface as INTERNAL_SERVER_ERROR with HTTP 500.
 */
function inputProblems(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode | undefined, variables: Record<string, unknown> | undefined): Problem[] {
  const coerced = getVariableValues(schema, operation?.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return coerced.errors.map((error) => ({ path: variablePath(error), message: error.message }));
  const problems: Problem[] = Object.entries(coerced.coerced).flatMap(([name, value]) =>
    unstorableParts(value).map((part) => ({ path: [name, ...part.path].join('.'), message: part.message })),
  );
  visit(document, {
    StringValue(node) {
      const problem = unstorableText(node.value);
      if (problem) problems.push({ path: '', message: `a string in the document ${problem}, which cannot be stored` });
    },
  });
  return problems;
}

/** `$input` from graphql's 'Variable "$input" got invalid value ... at "input.steps[0]"', with the place when given. */
function variablePath(error: GraphQLError): string {
  const at = /at "([^"]+)"/.exec(error.message)?.[1];
  return at ?? /Variable "\$([^"]+)"/.exec(error.message)?.[1] ?? '';
}
