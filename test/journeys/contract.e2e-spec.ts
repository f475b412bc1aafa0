import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildClientSchema,
  buildSchema,
  DangerousChangeType,
  findBreakingChanges,
  findDangerousChanges,
  getIntrospectionQuery,
  GraphQLSchema,
  IntrospectionQuery,
  isInputObjectType,
} from 'graphql';
import { SCHEMA_FILE, servedSchemaText } from '../../src/graphql-schema-text';
import { startTestApp, TestApp } from '../harness/test-app';

describe('the served schema against the contract (test/fixtures/contract.graphql, a copy of the product contract)', () => {
  let itinera: TestApp;
  const contract = buildSchema(readFileSync(path.join(__dirname, '..', 'fixtures', 'contract.graphql'), 'utf8'));
  const servedSchema = async () => buildClientSchema(await itinera.graphql.query<IntrospectionQuery>(getIntrospectionQuery()));

  beforeAll(async () => {
    itinera = await startTestApp();
  });
  afterAll(() => itinera.close());

  it(`is the committed ${SCHEMA_FILE} (run \`npm run schema\` after changing the API)`, () => {
    const committed = readFileSync(path.join(__dirname, '..', '..', SCHEMA_FILE), 'utf8');
    expect(servedSchemaText(itinera.app)).toBe(committed);
  });

  it(`keeps in the committed ${SCHEMA_FILE} every type, field, argument and enum value of the contract`, () => {
    const committed = buildSchema(readFileSync(path.join(__dirname, '..', '..', SCHEMA_FILE), 'utf8'));
    expect(findBreakingChanges(contract, committed).map((change) => `${change.type}: ${change.description}`)).toEqual([]);
  });

  it('contains every type, field, argument and enum value of the contract (as tools/contract-check.mjs checks)', async () => {
    const differences = findBreakingChanges(contract, await servedSchema());
    expect(differences.map((change) => `${change.type}: ${change.description}`)).toEqual([]);
  });

  it('keeps the contract defaults of arguments and input fields (first = 50, first = 100, match = ALL, enabled = true, ...)', async () => {
    const served = await servedSchema();
    // The served schema may add optional arguments and fields; only a changed default breaks a client.
    const changedDefaults = findDangerousChanges(contract, served).filter((change) => change.type === DangerousChangeType.ARG_DEFAULT_VALUE_CHANGE);
    expect(changedDefaults.map((change) => change.description)).toEqual([]);

    // findDangerousChanges compares argument defaults only; input field defaults are compared here.
    const inputDefaults = (schema: GraphQLSchema) =>
      Object.values(contract.getTypeMap())
        .filter(isInputObjectType)
        .flatMap((contractType) => {
          const type = schema.getType(contractType.name);
          if (!isInputObjectType(type)) return [`${contractType.name} is not served as an input type`];
          return Object.keys(contractType.getFields()).flatMap((name) => {
            const field = type.getFields()[name];
            return field?.defaultValue === undefined ? [] : [`${contractType.name}.${name} = ${JSON.stringify(field.defaultValue)}`];
          });
        });
    expect(inputDefaults(served)).toEqual(inputDefaults(contract));
    expect(inputDefaults(contract)).toEqual(
      expect.arrayContaining(['ConditionInput.match = "ALL"', 'SendInput.enabled = true', 'EntryRulesInput.mode = "REENTER_EVERY_TIME"']),
    );
  });
});
