import { followActivity, gql } from '../api.js';
import { confirmAction, formatTime, h, throttle } from '../dom.js';
import { drawJourney, goalSummary } from '../journey-graph.js';

const STEP_FIELDS = `key name type next
  hold { maxDuration timeoutNext branches { key next match { event } } }
  wait { duration }
  waitUntil { timeOfDay days timestampPath offset }
  waitForCondition { maxDuration timeoutNext }
  split { trueNext falseNext }
  multiBranch { elseNext branches { key next } }
  send { destinationId action enabled }`;

const JOURNEY = `query ($id: ID!) {
  journey(id: $id) {
    id name description status version draftVersion startStep lastActivityAt lastActivityId
    versions { version publishedAt publishedByTokenName current activeInstances changes { summary } }
    trigger { type event { event } }
    goal { targetPercent match { event } }
    steps { ${STEP_FIELDS} }
    stats { entered active completed exited converted conversionPercent atStep { stepKey active } }
    edgeTotals { stepKey branch taken }
  }
  journeyInstances(journeyId: $id, first: 50, status: ACTIVE) { totalCount nodes { id userId currentStep enteredAt } }
}`;

const LIVE = `query ($id: ID!) {
  journey(id: $id) {
    status version draftVersion
    versions { version publishedAt publishedByTokenName current activeInstances changes { summary } }
    stats { entered active completed exited converted conversionPercent atStep { stepKey active } }
    edgeTotals { stepKey branch taken }
  }
  journeyInstances(journeyId: $id, first: 50, status: ACTIVE) { totalCount nodes { id userId currentStep enteredAt } }
}`;

/** What an ADMIN may do to a journey in each status, in the order the buttons show. */
const ACTIONS = {
  publish: { label: 'Publish', when: ['DRAFT'], mutation: 'publishJourney(id: $id) { id }', ask: (j) => `Publish "${j.name}"? Users start entering it at once.` },
  pause: { label: 'Pause', when: ['PUBLISHED'], mutation: 'pauseJourney(id: $id) { id }', ask: (j) => `Pause "${j.name}"? New users stop entering; active instances keep going.` },
  resume: { label: 'Resume', when: ['PAUSED'], mutation: 'resumeJourney(id: $id) { id }', ask: (j) => `Resume "${j.name}"? Users start entering it again.` },
  archive: { label: 'Archive', when: ['PUBLISHED', 'PAUSED'], mutation: 'archiveJourney(id: $id) { id }', ask: (j) => `Archive "${j.name}"? Its active instances exit, and this cannot be undone.` },
  duplicate: { label: 'Duplicate', when: ['DRAFT', 'PUBLISHED', 'PAUSED', 'ARCHIVED'], mutation: 'duplicateJourney(id: $id, name: $name) { id }', ask: (j) => `Make a draft copy of "${j.name}"?` },
};

/** A journey drawn as a graph with live counts, its goal, actions, active instances and deliveries. */
export async function journeyView(viewer, id) {
  let { journey, journeyInstances } = await gql(JOURNEY, { id });
  if (!journey) throw new Error(`Journey ${id} not found.`);

  const graphHolder = h('div', { class: 'graph-holder', id: 'journey-graph' });
  const summary = h('div', { class: 'summary' });
  const instances = h('div', { id: 'instances' });
  const versions = h('div', { id: 'journey-versions' });
  const actions = h('div', { class: 'actions', id: 'journey-actions' });
  const message = h('p', { class: 'message', id: 'action-message' });
  const liveBadge = h('span', { class: 'live', id: 'live-status' }, 'connecting…');

  const draw = () => {
    graphHolder.replaceChildren(drawJourney(journey));
    const s = journey.stats;
    summary.replaceChildren(
      h('span', { class: `status status-${journey.status.toLowerCase()}`, id: 'journey-status' }, journey.status),
      h('span', {}, `version ${journey.version}`),
      journey.draftVersion ? h('span', { class: 'muted', id: 'draft-version' }, `version ${journey.draftVersion} open as a draft (shown)`) : null,
      h('span', { id: 'stat-entered' }, `${s.entered} entered`),
      h('span', { id: 'stat-active' }, `${s.active} active`),
      h('span', { id: 'stat-completed' }, `${s.completed} completed`),
      h('span', {}, `${s.exited} exited`),
      h('span', { id: 'goal' }, goalSummary(journey)),
      liveBadge,
    );
    instances.replaceChildren(
      h('h2', {}, `Active instances (${journeyInstances.totalCount})`),
      journeyInstances.nodes.length
        ? h(
            'table',
            {},
            h('thead', {}, h('tr', {}, ['Instance', 'User', 'At step', 'Entered'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              journeyInstances.nodes.map((i) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: `#/instances/${i.id}`, class: 'instance-link' }, i.id.slice(0, 8))),
                  h('td', {}, h('a', { href: `#/profiles/${encodeURIComponent(i.userId)}` }, i.userId)),
                  h('td', {}, i.currentStep ?? '—'),
                  h('td', {}, formatTime(i.enteredAt)),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No active instances.'),
    );
    versions.replaceChildren(
      h('h2', {}, 'Versions'),
      journey.versions.length
        ? h(
            'table',
            { id: 'versions' },
            h('thead', {}, h('tr', {}, ['Version', 'Published', 'By', 'Changes', 'Active'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              journey.versions.map((v) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'num' }, `v${v.version}${v.current ? ' (current)' : ''}`),
                  h('td', {}, formatTime(v.publishedAt)),
                  h('td', {}, v.publishedByTokenName ?? '—'),
                  h('td', {}, v.changes?.summary ?? '—'),
                  h('td', { class: 'num' }, v.activeInstances),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Not published yet.'),
    );
    actions.replaceChildren(...(viewer.canChange ? actionButtons() : [h('span', { class: 'muted', id: 'read-only-note' }, 'Read-only token: no actions.')]));
  };

  const actionButtons = () =>
    Object.entries(ACTIONS)
      .filter(([, action]) => action.when.includes(journey.status))
      .map(([name, action]) => h('button', { 'data-action': name, onclick: () => void run(name, action) }, action.label));

  const run = async (name, action) => {
    if (!(await confirmAction(action.ask(journey)))) return;
    try {
      const variables = { id, name: `${journey.name} (copy)`.slice(0, 73) };
      const declared = name === 'duplicate' ? '($id: ID!, $name: String!)' : '($id: ID!)';
      const result = await gql(`mutation ${declared} { ${action.mutation} }`, variables);
      if (name === 'duplicate') {
        location.hash = `#/journeys/${result.duplicateJourney.id}`;
        return;
      }
      message.textContent = `${action.label}: done.`;
      message.className = 'message ok';
      await refresh();
    } catch (error) {
      message.textContent = `${action.label} refused: ${error.message}`;
      message.className = 'message error';
    }
  };

  const refresh = async () => {
    const live = await gql(LIVE, { id });
    journey = { ...journey, ...live.journey };
    journeyInstances = live.journeyInstances;
    draw();
  };
  // Records come in bursts (a step entered, a branch taken, a send): redraw at most a few times a second.
  const refreshSoon = throttle(() => void refresh().catch(() => undefined), 250);

  draw();
  // From the last record read with the counts: whatever is written before the subscription registers is replayed.
  const stop = followActivity({ journeyId: id }, refreshSoon, {
    after: journey.lastActivityId,
    onStatus: (status, reason) => {
      liveBadge.textContent = status === 'live' ? 'live' : `${status}${reason ? `: ${reason}` : ''}`;
      liveBadge.dataset.status = status;
      // Whatever happened while disconnected is read again on reconnecting.
      if (status === 'live') refreshSoon();
    },
  });

  return {
    element: h(
      'section',
      { class: 'journey' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/journeys' }, 'Journeys'), ' / '),
      h('h1', { id: 'journey-name' }, journey.name),
      journey.description ? h('p', { class: 'muted' }, journey.description) : null,
      summary,
      actions,
      message,
      graphHolder,
      h('p', {}, h('a', { href: `#/deliveries?journeyId=${id}` }, 'Deliveries of this journey'), ' · ', h('a', { href: `#/activity?journeyId=${id}` }, 'Activity of this journey')),
      instances,
      versions,
    ),
    leave: stop,
  };
}
