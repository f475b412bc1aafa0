import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BreakingChange,
  buildClientSchema,
  buildSchema,
  DangerousChange,
  findBreakingChanges,
  findDangerousChanges,
  getIntrospectionQuery,
  GraphQLSchema,
  IntrospectionQuery,
  isInputObjectType,
} from 'graphql';
import { startTestApp, TestApp } from '../harness/test-app';

/** The contract's types this module serves; the rest of the contract is other modules' work. */
const JOURNEY_TYPES = new Set([
  'DateTime', 'JSON', 'Duration',
  'JourneyStatus', 'TriggerType', 'EntryMode', 'StepType', 'FilterOperator', 'ConditionMatch',
  'PropertyFilter', 'PropertyFilterInput', 'EventMatch', 'EventMatchInput', 'Performed', 'PerformedInput',
  'Condition', 'ConditionInput', 'Trigger', 'TriggerInput', 'EntryRules', 'EntryRulesInput', 'Goal', 'GoalInput',
  'HoldBranch', 'HoldBranchInput', 'HoldUntil', 'HoldUntilInput', 'Wait', 'WaitInput', 'WaitForCondition',
  'WaitForConditionInput', 'Split', 'SplitInput', 'Branch', 'BranchInput', 'MultiBranch', 'MultiBranchInput',
  'Send', 'SendInput', 'Step', 'StepInput', 'StepCount', 'JourneyStats', 'Journey', 'JourneyInput',
  'JourneyPatchInput', 'PageInfo', 'JourneyConnection', 'Problem',
]);
const JOURNEY_OPERATIONS = new Set([
  'Query.journeys', 'Query.journey', 'Query.validateJourney',
  'Mutation.createJourney', 'Mutation.updateJourney', 'Mutation.duplicateJourney', 'Mutation.publishJourney',
  'Mutation.pauseJourney', 'Mutation.resumeJourney', 'Mutation.archiveJourney', 'Mutation.deleteJourney',
]);

/** Whether a difference names a journey type (`Journey.stats ...`, `... enum type JourneyStatus`) or operation. */
function concernsJourneys(change: BreakingChange | DangerousChange): boolean {
  const names = change.description.match(/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?/g) ?? [];
  return names.some((name) => JOURNEY_TYPES.has(name.split('.')[0]) || JOURNEY_OPERATIONS.has(name));
}

describe('the served schema against shared/contract.graphql', () => {
  let itinera: TestApp;
  const contract = buildSchema(readFileSync(path.join(__dirname, '..', '..', '..', 'shared', 'contract.graphql'), 'utf8'));
  const servedSchema = async () => buildClientSchema(await itinera.graphql.query<IntrospectionQuery>(getIntrospectionQuery()));

  beforeAll(async () => {
    itinera = await startTestApp();
  });
  afterAll(() => itinera.close());

  it('contains every journey type, field, argument and enum value of the contract (as tools/contract-check.mjs checks)', async () => {
    const differences = findBreakingChanges(contract, await servedSchema());

    const others = differences.filter((change) => !concernsJourneys(change));
    if (others.length > 0) {
      console.log(`contract differences left to other modules (${others.length}):\n${others.map((c) => `  ${c.type}: ${c.description}`).join('\n')}`);
    }
    expect(differences.filter(concernsJourneys).map((change) => `${change.type}: ${change.description}`)).toEqual([]);
  });

  it('keeps the contract defaults of journey arguments and input fields (first = 50, match = ALL, enabled = true, ...)', async () => {
    const served = await servedSchema();
    const argumentChanges = findDangerousChanges(contract, served).filter(concernsJourneys);
    expect(argumentChanges.map((change) => `${change.type}: ${change.description}`)).toEqual([]);

    // findDangerousChanges compares argument defaults only; input field defaults are compared here.
    const defaults = (schema: GraphQLSchema) =>
      [...JOURNEY_TYPES].flatMap((name) => {
        const type = schema.getType(name);
        if (!isInputObjectType(type)) return [];
        return Object.values(type.getFields())
          .filter((field) => field.defaultValue !== undefined)
          .map((field) => `${name}.${field.name} = ${JSON.stringify(field.defaultValue)}`);
      });
    expect(defaults(served)).toEqual(defaults(contract));
    expect(defaults(contract)).toEqual(
      expect.arrayContaining(['ConditionInput.match = "ALL"', 'SendInput.enabled = true', 'EntryRulesInput.mode = "REENTER_EVERY_TIME"']),
    );
  });
});
