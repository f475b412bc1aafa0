import { gql } from '../api.js';
import { formatTime, h } from '../dom.js';

const PROFILE = `query ($userId: String!) {
  profile(userId: $userId) {
    userId traits
    journeys { timesEntered journey { id name status } activeInstances { id currentStep enteredAt } }
    events(first: 20) { nodes { type event properties timestamp receivedAt } }
  }
}`;

/** A user: traits, the journeys they entered with their active instances, and their latest events. */
export async function profileView(viewer, userId) {
  const { profile } = await gql(PROFILE, { userId });
  if (!profile) throw new Error(`No profile for user ${userId}.`);
  return {
    element: h(
      'section',
      { class: 'profile' },
      h('h1', {}, `User ${profile.userId}`),
      h('h2', {}, 'Traits'),
      h('pre', { class: 'json', id: 'traits' }, JSON.stringify(profile.traits, null, 2)),
      h('h2', {}, 'Journeys'),
      profile.journeys.length
        ? h(
            'table',
            { id: 'profile-journeys' },
            h('thead', {}, h('tr', {}, ['Journey', 'Status', 'Times entered', 'Active instances'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              profile.journeys.map((entry) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: `#/journeys/${entry.journey.id}` }, entry.journey.name)),
                  h('td', {}, entry.journey.status),
                  h('td', { class: 'num' }, entry.timesEntered),
                  h(
                    'td',
                    {},
                    entry.activeInstances.length
                      ? entry.activeInstances.map((i) => h('a', { href: `#/instances/${i.id}`, class: 'chip' }, `${i.currentStep ?? '—'} since ${formatTime(i.enteredAt)}`))
                      : '—',
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Has entered no journey.'),
      h('h2', {}, 'Recent events'),
      h(
        'table',
        { id: 'recent-events' },
        h('thead', {}, h('tr', {}, ['Time', 'Type', 'Event', 'Properties'].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          profile.events.nodes.map((e) =>
            h('tr', {}, h('td', {}, formatTime(e.timestamp)), h('td', {}, e.type), h('td', {}, e.event ?? '—'), h('td', {}, h('code', {}, JSON.stringify(e.properties)))),
          ),
        ),
      ),
    ),
  };
}
