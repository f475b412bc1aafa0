import { followActivity, gql } from '../api.js';
import { formatDetail, formatTime, h } from '../dom.js';

const TYPES = ['ENTERED', 'STEP_ENTERED', 'HOLD_MATCHED', 'HOLD_UPDATED', 'HOLD_TIMED_OUT', 'WAIT_ELAPSED', 'BRANCH_TAKEN', 'SENT', 'SEND_FAILED', 'GOAL_MET', 'COMPLETED', 'EXITED', 'VERSION_MOVED'];
const SHOWN = 200;
const HISTORY = `query ($filter: ActivityFilter!) { activity(filter: $filter, first: 500) { nodes { id at type journeyId instanceId userId stepKey detail } pageInfo { hasNextPage } } }`;

/**
 * The activity log, newest on top, growing live; filtered by journey, user, type and step (SPEC 6).
 * The filters live in the URL (#/activity?journeyId=...&userId=...&type=...&stepKey=...).
 */
export async function activityView(viewer, params) {
  const filter = {
    journeyId: params.get('journeyId') || undefined,
    userId: params.get('userId') || undefined,
    type: params.get('type') || undefined,
    stepKey: params.get('stepKey') || undefined,
  };
  const { journeys } = await gql('{ journeys(first: 200) { nodes { id name } } }');
  const names = new Map(journeys.nodes.map((j) => [j.id, j.name]));

  const form = h(
    'form',
    { id: 'activity-filters', class: 'filters', onsubmit: (event) => apply(event) },
    h('label', {}, 'Journey ', h('select', { name: 'journeyId' }, h('option', { value: '' }, 'any'), journeys.nodes.map((j) => h('option', { value: j.id, selected: j.id === filter.journeyId }, j.name)))),
    h('label', {}, 'User ', h('input', { name: 'userId', value: filter.userId ?? '', size: 12 })),
    h('label', {}, 'Type ', h('select', { name: 'type' }, h('option', { value: '' }, 'any'), TYPES.map((t) => h('option', { value: t, selected: t === filter.type }, t)))),
    h('label', {}, 'Step ', h('input', { name: 'stepKey', value: filter.stepKey ?? '', size: 16 })),
    h('button', { type: 'submit' }, 'Filter'),
  );
  function apply(event) {
    event.preventDefault();
    const query = new URLSearchParams([...new FormData(form)].filter(([, value]) => value !== ''));
    location.hash = `#/activity?${query}`;
  }

  const rows = h('tbody', {});
  const status = h('span', { class: 'live', id: 'live-status' }, 'connecting…');
  const add = (record, { live }) => {
    if (filter.stepKey && record.stepKey !== filter.stepKey) return;
    const row = h(
      'tr',
      { 'data-activity': record.id, 'data-type': record.type, class: live ? 'arrived' : '' },
      h('td', {}, formatTime(record.at)),
      h('td', {}, h('a', { href: `#/journeys/${record.journeyId}` }, names.get(record.journeyId) ?? record.journeyId.slice(0, 8))),
      h('td', {}, h('a', { href: `#/profiles/${encodeURIComponent(record.userId)}` }, record.userId)),
      h('td', {}, h('a', { href: `#/instances/${record.instanceId}` }, record.type)),
      h('td', {}, record.stepKey ?? ''),
      h('td', { class: 'detail' }, formatDetail(record.detail)),
    );
    rows.prepend(row);
    while (rows.children.length > SHOWN) rows.lastElementChild.remove();
  };

  // The last hour's records first, then live ones from the last of them (the resume cursor closes the gap).
  const history = await gql(HISTORY, {
    filter: { journeyId: filter.journeyId, userId: filter.userId, stepKey: filter.stepKey, types: filter.type ? [filter.type] : undefined, from: new Date(Date.now() - 3600_000).toISOString() },
  });
  const recent = history.activity.nodes;
  recent.forEach((record) => add(record, { live: false }));
  const stop = followActivity(
    { journeyId: filter.journeyId, userId: filter.userId, types: filter.type ? [filter.type] : undefined },
    (record) => add(record, { live: true }),
    {
      after: history.activity.pageInfo.hasNextPage ? null : (recent.at(-1)?.id ?? null),
      onStatus: (state, reason) => {
        status.textContent = state === 'live' ? 'live' : `${state}${reason ? `: ${reason}` : ''}`;
        status.dataset.status = state;
      },
    },
  );

  return {
    element: h(
      'section',
      {},
      h('h1', {}, 'Activity ', status),
      form,
      h('table', { id: 'activity' }, h('thead', {}, h('tr', {}, ['Time', 'Journey', 'User', 'Type', 'Step', 'Detail'].map((t) => h('th', {}, t)))), rows),
    ),
    leave: stop,
  };
}
