// A journey as a graph: steps are nodes, every way out of a step is a labelled edge.
import dagre from 'dagre';
import { formatPercent } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const NODE_WIDTH = 210;
const NODE_HEIGHT = 70;
export const ENTRY = '__entry';
export const END = '__end';

/**
 * The edges out of one step: `branch` is how the API's edgeTotals name the way out, `label` what the
 * canvas shows. A missing target leads to the implied end.
 */
export function edgesOf(step) {
  const out = (branch, label, to) => ({ from: step.key, branch, label, to: to ?? END });
  switch (step.type) {
    case 'HOLD_UNTIL':
      return [
        ...step.hold.branches.map((b) => out(b.key, `${b.match.event}`, b.next)),
        out('timeout', `timeout ${step.hold.maxDuration}`, step.hold.timeoutNext),
      ];
    case 'WAIT':
      return [out('next', `after ${step.wait.duration}`, step.next)];
    case 'WAIT_UNTIL':
      return [out('next', waitUntilLabel(step.waitUntil), step.next)];
    case 'WAIT_FOR_CONDITION':
      return [
        out('met', 'condition met', step.next),
        ...(step.waitForCondition.maxDuration ? [out('timeout', `timeout ${step.waitForCondition.maxDuration}`, step.waitForCondition.timeoutNext)] : []),
      ];
    case 'SPLIT':
      return [out('true', 'true', step.split.trueNext), out('false', 'false', step.split.falseNext)];
    case 'MULTI_BRANCH':
      return [...step.multiBranch.branches.map((b) => out(b.key, b.key, b.next)), out('else', 'else', step.multiBranch.elseNext)];
    case 'END':
      return [];
    default:
      // SEND, and step types this console does not know yet: one way on.
      return [out('next', '', step.next)];
  }
}

/** `until 09:00 MON,FRI` or `until traits.trial_ends_at -P1D`, in the profile's time zone. */
function waitUntilLabel(waitUntil) {
  if (waitUntil.timeOfDay) return `until ${waitUntil.timeOfDay}${waitUntil.days.length ? ` ${waitUntil.days.join(',')}` : ''}`;
  return `until ${waitUntil.timestampPath}${waitUntil.offset ? ` ${waitUntil.offset}` : ''}`;
}

export function triggerLabel(trigger) {
  if (trigger.type === 'AUDIENCE') return `enters audience`;
  return `when ${trigger.event?.event ?? '?'}`;
}

/** Nodes and edges with positions, from the journey's definition and its live counts. */
export function layoutJourney(journey) {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 64, edgesep: 24, marginx: 16, marginy: 16 });
  const atStep = new Map(journey.stats.atStep.map((s) => [s.stepKey, s.active]));
  const taken = new Map(journey.edgeTotals.map((e) => [`${e.stepKey}:${e.branch}`, e.taken]));

  graph.setNode(ENTRY, { width: NODE_WIDTH, height: 44, kind: 'entry', title: triggerLabel(journey.trigger) });
  for (const step of journey.steps) {
    graph.setNode(step.key, { width: NODE_WIDTH, height: NODE_HEIGHT, kind: 'step', step, here: atStep.get(step.key) ?? 0 });
  }
  const edges = journey.steps.flatMap(edgesOf);
  const startStep = journey.startStep ?? journey.steps[0]?.key;
  if (startStep) {
    const entered = { from: ENTRY, branch: 'start', to: startStep, label: 'entered' };
    graph.setEdge(ENTRY, startStep, { label: edgeText('entered', journey.stats.entered), width: 90, height: 18, labelpos: 'c', edge: entered, taken: journey.stats.entered }, 'start');
  }
  for (const edge of edges) {
    const to = graph.hasNode(edge.to) ? edge.to : END;
    if (to === END && !graph.hasNode(END)) graph.setNode(END, { width: 90, height: 36, kind: 'end', title: 'end' });
    const count = taken.get(`${edge.from}:${edge.branch}`) ?? 0;
    const text = edgeText(edge.label, count);
    graph.setEdge(edge.from, to, { label: text, width: text.length * 7 + 12, height: 18, labelpos: 'c', edge, taken: count }, edge.branch);
  }
  dagre.layout(graph);
  return graph;
}

const edgeText = (label, count) => (label ? `${label} · ${count}` : `${count}`);

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Draws the laid-out graph as SVG; `onStep(key)` is called when a step is clicked. */
export function drawJourney(journey, { onStep } = {}) {
  const graph = layoutJourney(journey);
  const { width, height } = graph.graph();
  const root = svg('svg', { class: 'journey-graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `graph of ${journey.name}` });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }));
  defs.append(marker);
  root.append(defs);

  for (const id of graph.edges()) {
    const data = graph.edge(id);
    const points = data.points.map((p) => `${p.x},${p.y}`).join(' L ');
    const group = svg('g', { class: `edge${data.taken > 0 ? ' taken' : ''}`, 'data-edge': `${data.edge.from}:${data.edge.branch}` });
    group.append(svg('path', { d: `M ${points}`, 'marker-end': 'url(#arrow)' }));
    if (data.label) {
      const labelWidth = data.label.length * 7 + 8;
      group.append(svg('rect', { class: 'edge-label-bg', x: data.x - labelWidth / 2, y: data.y - 10, width: labelWidth, height: 18, rx: 4 }));
      const text = svg('text', { class: 'edge-label', x: data.x, y: data.y + 3, 'text-anchor': 'middle' }, data.edge.label ? `${data.edge.label} · ` : '');
      text.append(svg('tspan', { class: 'taken' }, String(data.taken)));
      group.append(text);
    }
    root.append(group);
  }

  for (const id of graph.nodes()) {
    const node = graph.node(id);
    const x = node.x - node.width / 2;
    const y = node.y - node.height / 2;
    if (node.kind === 'step') {
      const { step } = node;
      const group = svg('g', { class: `node step type-${step.type.toLowerCase()}${node.here > 0 ? ' occupied' : ''}`, 'data-step': step.key, tabindex: 0 });
      group.append(svg('rect', { x, y, width: node.width, height: node.height, rx: 8 }));
      group.append(svg('text', { class: 'step-type', x: x + 10, y: y + 17 }, step.type.replaceAll('_', ' ')));
      group.append(svg('text', { class: 'step-name', x: x + 10, y: y + 38 }, truncate(step.name, 26)));
      group.append(svg('text', { class: 'step-key', x: x + 10, y: y + 58 }, truncate(step.key, 24)));
      const badge = svg('text', { class: 'here', x: x + node.width - 10, y: y + 17, 'text-anchor': 'end' }, `${node.here} here`);
      group.append(badge);
      group.addEventListener('click', () => onStep?.(step.key));
      root.append(group);
    } else {
      const group = svg('g', { class: `node ${node.kind}`, 'data-step': id });
      group.append(svg('rect', { x, y, width: node.width, height: node.height, rx: node.height / 2 }));
      group.append(svg('text', { x: node.x, y: node.y + 5, 'text-anchor': 'middle' }, truncate(node.title, 28)));
      root.append(group);
    }
  }
  return root;
}

/** "12 of 40 converted (30.0%), target 25%": the goal against its target. */
export function goalSummary(journey) {
  if (!journey.goal) return 'no goal set';
  const { converted, entered, conversionPercent } = journey.stats;
  const target = journey.goal.targetPercent;
  const against = target === null || target === undefined ? '' : conversionPercent !== null && conversionPercent >= target ? ` — meets the ${target}% target` : ` — target ${target}%`;
  return `goal ${journey.goal.match.event}: ${converted} of ${entered} converted (${formatPercent(conversionPercent)})${against}`;
}

function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
