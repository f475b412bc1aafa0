import { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';

/** The committed copy of the served schema, for clients and reviewers; `npm run schema` rewrites it. */
export const SCHEMA_FILE = 'schema.graphql';

/** The schema `app` serves, as SDL in a stable order (what `schema.graphql` holds). */
export function servedSchemaText(app: INestApplication): string {
  return `${printSchema(lexicographicSortSchema(app.get(GraphQLSchemaHost).schema))}\n`;
}
