import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';

/** Any JSON value, as in the contract's `scalar JSON`. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

/**
 * Any string passes here: journey validation reports a bad duration with its field path
 * (`steps[0].hold.maxDuration`), which a scalar error could not.
 */
export const DurationScalar = new GraphQLScalarType({
  name: 'Duration',
  description: 'ISO-8601 duration, e.g. PT5S, PT1H, P3D',
  serialize: (value) => value,
  parseValue: (value) => checkDuration(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('a Duration is an ISO-8601 string such as "PT5S"');
    return checkDuration(ast.value);
  },
});

function checkDuration(value: unknown): string {
  if (typeof value !== 'string') throw new GraphQLError('a Duration is an ISO-8601 string such as "PT5S"');
  return value;
}
