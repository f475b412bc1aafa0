import { gql } from '../api.js';
import { formatPercent, formatTime, h } from '../dom.js';

const JOURNEYS = `{
  journeys(first: 200) {
    nodes { id name status version lastActivityAt stats { entered active completed exited converted conversionPercent } }
  }
}`;

/** Every journey of the workspace with its status, version, counts and last activity. */
export async function journeysView() {
  const { journeys } = await gql(JOURNEYS);
  const rows = journeys.nodes.map((journey) =>
    h(
      'tr',
      { 'data-journey': journey.id },
      h('td', {}, h('a', { href: `#/journeys/${journey.id}` }, journey.name)),
      h('td', {}, h('span', { class: `status status-${journey.status.toLowerCase()}` }, journey.status)),
      h('td', { class: 'num' }, `v${journey.version}`),
      h('td', { class: 'num entered' }, journey.stats.entered),
      h('td', { class: 'num active' }, journey.stats.active),
      h('td', { class: 'num completed' }, journey.stats.completed),
      h('td', { class: 'num converted' }, `${journey.stats.converted} (${formatPercent(journey.stats.conversionPercent)})`),
      h('td', {}, formatTime(journey.lastActivityAt)),
    ),
  );
  return {
    element: h(
      'section',
      {},
      h('h1', {}, 'Journeys'),
      rows.length
        ? h(
            'table',
            { id: 'journeys' },
            h('thead', {}, h('tr', {}, ['Journey', 'Status', 'Version', 'Entered', 'Active', 'Completed', 'Converted', 'Last activity'].map((t) => h('th', {}, t)))),
            h('tbody', {}, rows),
          )
        : h('p', { class: 'muted' }, 'No journeys yet. Create one with the API or `npx itinera apply examples/`.'),
    ),
  };
}
