import { badUserInput } from '../common/errors';
import type { JourneyDraft } from '../engine/definition';
import type { JourneyLimits } from './journey-limits';
import { normalizeJourneyInput, validateJourneyDraft, type JourneyInputShape } from './journey-validation';

/** `JourneyPatchInput`: every field optional; null clears an optional part and leaves a required one as it is. */
export type JourneyPatch = { [K in keyof JourneyInputShape]?: JourneyInputShape[K] | null };

/**
 * The stored draft with the patch's parts in place of its own, normalized as a new input would be
 * and in its stored JSON form, so comparing it with the stored draft finds only real changes.
 */
export function mergeDraft(draft: JourneyDraft, patch: JourneyPatch, limits: JourneyLimits): JourneyDraft {
  const pick = <K extends 'entry' | 'transactional' | 'exit' | 'goal' | 'timeZone' | 'quietHours' | 'startStep'>(key: K) => (patch[key] === undefined ? draft[key] : patch[key]);
  const input: JourneyInputShape = {
    name: '',
    trigger: patch.trigger ?? draft.trigger,
    entry: pick('entry'),
    transactional: pick('transactional'),
    exit: pick('exit'),
    goal: pick('goal'),
    timeZone: pick('timeZone'),
    quietHours: pick('quietHours'),
    steps: patch.steps ?? draft.steps,
    startStep: pick('startStep'),
  };
  return JSON.parse(JSON.stringify(normalizeJourneyInput(input, { limits }))) as JourneyDraft;
}

/** The checks a draft must pass even unfinished: a name and a description within their limits. */
export function checkNameAndDescription({ name, description }: { name?: string | null; description?: string | null }, limits: JourneyLimits): void {
  if (name == null && description == null) return;
  // The validator's own checks on an empty draft, so a name reads the same here as when publishing.
  const { problems } = validateJourneyDraft({ trigger: { type: 'EVENT', useHistoricalData: false }, entry: { mode: 'ONCE' }, exit: [], steps: [] }, {
    limits,
    name: name ?? undefined,
    description,
  });
  const own = problems.filter((problem) => problem.path === 'name' || problem.path === 'description');
  if (own.length > 0) throw badUserInput(own);
}
