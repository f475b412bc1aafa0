import type { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  ExecutionArgs,
  FieldNode,
  getOperationAST,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  parse,
  SelectionSetNode,
  specifiedRules,
  validate,
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
/**
 * What a database-backed field costs: each is at least one query, where a plain field is a property read.
 * Root fields are; so are these fields of objects, resolved one query per parent (the @ResolveField
 * resolvers: keep this list in step with them).
 */
export const DATABASE_FIELD_COST = 10;
const DATABASE_BACKED_FIELDS = new Set(['Journey.stats', 'Journey.test', 'Profile.journeys', 'JourneyInstance.timeline']);
/** Aliases in one document: a dashboard needs a handful; thousands are only there to multiply work. */
export const MAX_ALIASES = 200;
/** Tokens of one document, checked while parsing (the introspection query has about 160). */
export const MAX_DOCUMENT_TOKENS = 20_000;
/** Characters of one document over graphql-ws (over HTTP the request body is limited to 1 MB). */
export const MAX_DOCUMENT_CHARS = 100_000;

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

/** Errors for documents with more than `max` aliases. */
export function aliasErrors(document: DocumentNode, max = MAX_ALIASES): GraphQLError[] {
  let aliases = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
  });
  if (aliases <= max) return [];
  const message = `query has ${aliases} aliases; at most ${max} are allowed`;
  return [new GraphQLError(message, { originalError: limitExceeded(message), extensions: { code: 'LIMIT_EXCEEDED' } })];
}

/** The alias limit as a validation rule. */
export function aliasLimit(max = MAX_ALIASES): ValidationRule {
  return (context: ValidationContext) => {
    for (const error of aliasErrors(context.getDocument(), max)) context.reportError(error);
    return {};
  };
}

/** The validation rules of every operation, over HTTP and graphql-ws alike, besides graphql's own. */
export const limitRules = (): ValidationRule[] => [depthLimit(), aliasLimit()];

/** graphql-js parse options that refuse oversized documents while reading them. */
export const PARSE_OPTIONS = { maxTokens: MAX_DOCUMENT_TOKENS };

/**
 * The estimated cost of an operation: each field 1, a database-backed one DATABASE_FIELD_COST,
 * a list field with `first` that many times its selection. Throws graphql-query-complexity's error for
 * documents over its node limit.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): number {
  return getComplexity({
    schema,
    query: document,
    operationName: operationName ?? undefined,
    variables,
    estimators: [
      ({ type, field, args, childComplexity }) => {
        const root = type === schema.getQueryType() || type === schema.getMutationType() || type === schema.getSubscriptionType();
        const own = root || DATABASE_BACKED_FIELDS.has(`${type.name}.${field.name}`) ? DATABASE_FIELD_COST : 1;
        const first = typeof args.first === 'number' ? args.first : undefined;
        return first !== undefined ? own + first * Math.max(childComplexity, 1) : own + childComplexity;
      },
      simpleEstimator({ defaultComplexity: 1 }),
    ],
  });
}

/**
 * Why an operation must not run (inputs that do not fit or cannot be stored, or a cost over `max`), as a
 * GraphQL error with its code, or undefined when it may.
 */
export function operationLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | undefined | null,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
  max = MAX_QUERY_COMPLEXITY,
): GraphQLError | undefined {
  const problems = inputProblems(schema, document, operation ?? undefined, variables);
  if (problems.length) {
    return new GraphQLError(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '), {
      originalError: badUserInput(problems),
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    });
  }
  let cost: number;
  try {
    cost = operationCost(schema, document, operationName, variables);
  } catch (error) {
    // The library's own node limit (10,000 nodes): a document that large is over any limit of ours.
    const message = `query is too large to estimate (${error instanceof Error ? error.message : String(error)}): ask for fewer fields`;
    return new GraphQLError(message, { originalError: limitExceeded(message), extensions: { code: 'LIMIT_EXCEEDED', http: { status: 400 } } });
  }
  if (cost > max) {
    const message = `query is too complex (${cost}, at most ${max}): ask for fewer items or fewer fields`;
    return new GraphQLError(message, { originalError: limitExceeded(message), extensions: { code: 'LIMIT_EXCEEDED', http: { status: 400 } } });
  }
  return undefined;
}

/** Refuses operations whose estimated cost is over `max`, before anything is resolved. */
export function complexityLimit(max = MAX_QUERY_COMPLEXITY): ApolloServerPlugin {
  return {
    async requestDidStart({ schema }) {
      return {
        async didResolveOperation({ request, document, operation }) {
          const error = operationLimitError(schema, document, operation, request.operationName, request.variables, max);
          if (error) throw error;
        },
      };
    },
  };
}

/** A graphql-ws subscribe message's payload. */
export interface SocketOperation {
  query?: unknown;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * A graphql-ws operation checked as HTTP checks one: document size and tokens, graphql's validation with
 * the depth and alias limits, inputs and cost. The execution arguments, or the errors to answer with.
 */
export function checkSocketOperation(schema: GraphQLSchema, payload: SocketOperation): Omit<ExecutionArgs, 'contextValue'> | GraphQLError[] {
  const failed = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];
  if (typeof payload.query !== 'string') return failed('the operation has no query', 'BAD_USER_INPUT');
  if (payload.query.length > MAX_DOCUMENT_CHARS) return failed(`the document is longer than ${MAX_DOCUMENT_CHARS} characters`, 'LIMIT_EXCEEDED');
  let document: DocumentNode;
  try {
    document = parse(payload.query, PARSE_OPTIONS);
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error), 'GRAPHQL_PARSE_FAILED');
  }
  const invalid = validate(schema, document, [...specifiedRules, ...limitRules()]);
  if (invalid.length > 0) {
    return invalid.map((error) =>
      error.extensions.code ? error : new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    );
  }
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) return failed('the document has no operation of that name (or several, and no operationName)', 'BAD_USER_INPUT');
  const variables = payload.variables ?? undefined;
  const refused = operationLimitError(schema, document, operation, payload.operationName, variables);
  if (refused) return [refused];
  return { schema, document, operationName: payload.operationName, variableValues: variables };
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
