import { gql } from '../api.js';
import { formatTime, h } from '../dom.js';

const STATUSES = ['', 'PENDING', 'RETRYING', 'DELIVERED', 'FAILED'];
const DELIVERIES = `query ($journeyId: ID, $destinationId: ID, $status: DeliveryStatus) {
  deliveries(first: 100, journeyId: $journeyId, destinationId: $destinationId, status: $status) {
    nodes { id createdAt journeyId stepKey userId status attempts lastError deliveredAt nextAttemptAt destinationId instanceId }
  }
  journeys(first: 200) { nodes { id name } }
  destinations { id name plugin }
}`;

/** Deliveries, newest first, by status, for a journey or a destination; with attempts and the last error. */
export async function deliveriesView(viewer, params) {
  const filter = { journeyId: params.get('journeyId') || null, destinationId: params.get('destinationId') || null, status: params.get('status') || null };
  const { deliveries, journeys, destinations } = await gql(DELIVERIES, filter);
  const journeyNames = new Map(journeys.nodes.map((j) => [j.id, j.name]));
  const destinationNames = new Map(destinations.map((d) => [d.id, d.name]));
  const link = (changes) => `#/deliveries?${new URLSearchParams(Object.entries({ ...filter, ...changes }).filter(([, v]) => v))}`;

  const form = h(
    'form',
    { class: 'filters', id: 'delivery-filters', onchange: () => (location.hash = link(Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, v || null])))) },
    h('label', {}, 'Journey ', h('select', { name: 'journeyId' }, h('option', { value: '' }, 'any'), journeys.nodes.map((j) => h('option', { value: j.id, selected: j.id === filter.journeyId }, j.name)))),
    h('label', {}, 'Destination ', h('select', { name: 'destinationId' }, h('option', { value: '' }, 'any'), destinations.map((d) => h('option', { value: d.id, selected: d.id === filter.destinationId }, `${d.name} (${d.plugin})`)))),
  );
  const tabs = h('nav', { class: 'tabs' }, STATUSES.map((s) => h('a', { href: link({ status: s || null }), class: (filter.status ?? '') === s ? 'current' : '' }, s || 'All')));

  return {
    element: h(
      'section',
      {},
      h('h1', {}, 'Deliveries'),
      form,
      tabs,
      deliveries.nodes.length
        ? h(
            'table',
            { id: 'deliveries' },
            h('thead', {}, h('tr', {}, ['Created', 'Journey', 'Step', 'Destination', 'User', 'Status', 'Attempts', 'Last error'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              deliveries.nodes.map((d) =>
                h(
                  'tr',
                  { 'data-status': d.status },
                  h('td', {}, formatTime(d.createdAt)),
                  h('td', {}, h('a', { href: `#/journeys/${d.journeyId}` }, journeyNames.get(d.journeyId) ?? d.journeyId.slice(0, 8))),
                  h('td', {}, h('a', { href: `#/instances/${d.instanceId}` }, d.stepKey)),
                  h('td', {}, destinationNames.get(d.destinationId) ?? d.destinationId.slice(0, 8)),
                  h('td', {}, d.userId),
                  h('td', {}, h('span', { class: `status delivery-${d.status.toLowerCase()}` }, d.status), d.status === 'RETRYING' ? ` next ${formatTime(d.nextAttemptAt)}` : ''),
                  h('td', { class: 'num' }, d.attempts),
                  h('td', { class: 'error-text' }, d.lastError ?? ''),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No deliveries match.'),
    ),
  };
}
