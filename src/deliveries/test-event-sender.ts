import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { badUserInput, notFound } from '../common/errors';
import { DestinationService } from '../destinations/destination.service';
import { PluginRegistry } from '../destinations/plugin-registry';
import { SettingsUnreadableError } from '../destinations/settings-cipher';
import { MAPPING_LIMITS, secretValues, validatePayload } from '@itinera/plugin-kit';
import { PERFORM_DEADLINE_MS, performAttempt } from './delivery-attempt';
import { pluginLogger } from '../destinations/plugin-logger';

/** What `sendTestEvent` answers. */
export interface TestEventResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** Whether a delivery failing this way would be retried; null when it succeeded. */
  retryable: boolean | null;
  response: unknown;
}

/** The step key test events carry, so a receiver can tell them from journey deliveries. */
export const TEST_EVENT_STEP_KEY = 'itinera_test_event';

/**
 * Runs one action of a destination once, with a payload given as is (no mapping), and reports what
 * happened. Wrong input (unknown destination or action, a payload that does not fit the action's fields)
 * is an error; a failing destination is an answer. Works for disabled destinations, to try one before
 * enabling it. Nothing is stored: no delivery, no activity.
 */
@Injectable()
export class TestEventSender {
  constructor(
    private readonly destinations: DestinationService,
    private readonly plugins: PluginRegistry,
  ) {}

  async send(workspaceId: string, destinationId: string, actionName: string, payload: unknown): Promise<TestEventResult> {
    const destination = await this.destinations.find(workspaceId, destinationId);
    if (!destination) throw notFound('destination', destinationId);
    const plugin = this.plugins.get(destination.plugin);
    if (!plugin) return failed(`plugin "${destination.plugin}" is not loaded in this process (check ITINERA_PLUGIN_PATHS and the start-up log)`, true);
    const action = this.plugins.action(plugin.name, actionName);
    if (!action) {
      const known = Object.keys(plugin.actions).map((name) => `"${name}"`).join(', ');
      throw badUserInput([{ path: 'action', message: `plugin "${plugin.name}" has no action "${actionName}" (its actions: ${known})` }]);
    }
    // The limit a mapped payload has; the request body (1 MB) bounds what stringifying costs.
    if (JSON.stringify(payload ?? null).length > MAPPING_LIMITS.maxPayloadBytes) {
      throw badUserInput([{ path: 'payload', message: `is larger than ${MAPPING_LIMITS.maxPayloadBytes / 1024} KB of JSON` }]);
    }
    const problems = validatePayload(action.fields, payload);
    if (problems.length > 0) {
      throw badUserInput(problems.map((problem) => ({ path: problem.path ? `payload.${problem.path}` : 'payload', message: problem.message })));
    }

    let settings: Record<string, unknown>;
    try {
      settings = this.destinations.settingsForPerform(destination, plugin);
    } catch (error) {
      if (error instanceof SettingsUnreadableError) return failed(error.message, true);
      throw error;
    }
    const addressProblems = await this.destinations.addressProblems(plugin, settings);
    if (addressProblems.length > 0) throw badUserInput(addressProblems);
    const instanceId = `test-${randomUUID()}`;
    const given = payload as Record<string, unknown>;
    const outcome = await performAttempt(
      action,
      {
        payload: given,
        settings,
        idempotencyKey: `${instanceId}:${TEST_EVENT_STEP_KEY}:1`,
        stepKey: TEST_EVENT_STEP_KEY,
        journeyId: 'test',
        instanceId,
        userId: typeof given.userId === 'string' ? given.userId : 'test-user',
        eventName: 'Itinera Test Event',
        test: true,
        logger: pluginLogger(plugin.name, { destinationId: destination.id, testEvent: true }),
        secrets: secretValues(plugin.settings, settings),
      },
      { deadlineMs: PERFORM_DEADLINE_MS },
    );
    if (outcome.result === 'delivered') return { ok: true, status: outcome.status, error: null, retryable: null, response: outcome.response };
    return { ok: false, status: outcome.status, error: outcome.error, retryable: outcome.result === 'retryable', response: null };
  }
}

function failed(error: string, retryable: boolean): TestEventResult {
  return { ok: false, status: null, error, retryable, response: null };
}
