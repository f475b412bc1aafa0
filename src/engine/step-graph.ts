import type { DraftStep } from './definition';
import { joinPath, quote, type Report } from './problem';
import { STEP_MODULES, stepModuleOf } from './steps/registry';
import type { StepReference } from './steps/step-module';

/** The steps a step can lead to, as its type reads them (configuration of other types is ignored); paths relative to the step. */
export function stepReferences(step: DraftStep): StepReference[] {
  const module = stepModuleOf(step?.type);
  if (!module) return [];
  const references: StepReference[] = [];
  if (module.takesNext && step.next !== undefined) references.push({ path: 'next', target: step.next });
  if (module.configKey && module.references) {
    const config = (step as Record<string, unknown>)[module.configKey];
    for (const reference of module.references(config)) references.push({ path: joinPath(module.configKey, reference.path), target: reference.target });
  }
  return references;
}

/** Successor indexes of each step, by the first step holding each key (duplicates are reported apart). */
function successors(steps: readonly DraftStep[], firstIndexOfKey: ReadonlyMap<string, number>): number[][] {
  return steps.map((step) =>
    stepReferences(step)
      .map((reference) => firstIndexOfKey.get(reference.target))
      .filter((index): index is number => index !== undefined),
  );
}

export function checkReachability(steps: readonly DraftStep[], firstIndexOfKey: ReadonlyMap<string, number>, startStep: string, report: Report): void {
  const start = firstIndexOfKey.get(startStep);
  if (start === undefined) return;
  const next = successors(steps, firstIndexOfKey);
  const reached = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const target of next[queue.shift()!]) {
      if (!reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  steps.forEach((step, i) => {
    if (!reached.has(i) && firstIndexOfKey.get(step?.key) === i) {
      report(`steps[${i}]`, `step ${quote(step.key)} cannot be reached from the start step ${quote(startStep)}`);
    }
  });
}

/** Reports each loop made only of steps that move on at once (one report per strongly connected group). */
export function checkLoopsWithoutPause(steps: readonly DraftStep[], firstIndexOfKey: ReadonlyMap<string, number>, report: Report): void {
  const pauses = (i: number) => stepModuleOf(steps[i]?.type)?.pauses === true;
  const next = successors(steps, firstIndexOfKey).map((targets, i) => (pauses(i) ? [] : targets.filter((t) => !pauses(t))));
  const loops = stronglyConnectedGroups(next)
    .filter((group) => group.length > 1 || next[group[0]].includes(group[0]))
    .map((group) => [...group].sort((a, b) => a - b))
    .sort((a, b) => a[0] - b[0]);
  for (const ordered of loops) {
    const names = ordered.map((i) => quote(steps[i].key));
    const subject = ordered.length === 1 ? `step ${names[0]} leads back to itself` : `steps ${names.join(', ')} form a loop`;
    report(`steps[${ordered[0]}]`, `${subject} with no ${pausingTypesText()} step, so an instance would go round it forever`);
  }
}

/** `HOLD_UNTIL, WAIT, WAIT_UNTIL or WAIT_FOR_CONDITION`: the types that break a loop, as the registry says. */
function pausingTypesText(): string {
  const names = STEP_MODULES.filter((module) => module.pauses).map((module) => module.type);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('');
}

/** Tarjan's algorithm without recursion, since a hostile input may hold thousands of steps. */
function stronglyConnectedGroups(next: readonly number[][]): number[][] {
  const index = new Array<number>(next.length).fill(-1);
  const low = new Array<number>(next.length).fill(0);
  const onStack = new Array<boolean>(next.length).fill(false);
  const stack: number[] = [];
  const groups: number[][] = [];
  let counter = 0;
  for (let root = 0; root < next.length; root++) {
    if (index[root] !== -1) continue;
    const work: Array<{ node: number; edge: number }> = [{ node: root, edge: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.edge < next[frame.node].length) {
        const target = next[frame.node][frame.edge++];
        if (index[target] === -1) {
          index[target] = low[target] = counter++;
          stack.push(target);
          onStack[target] = true;
          work.push({ node: target, edge: 0 });
        } else if (onStack[target]) {
          low[frame.node] = Math.min(low[frame.node], index[target]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low[parent] = Math.min(low[parent], low[frame.node]);
      }
      if (low[frame.node] === index[frame.node]) {
        const group: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          group.push(member);
        } while (member !== frame.node);
        groups.push(group);
      }
    }
  }
  return groups;
}
