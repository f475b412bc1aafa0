import { followActivity, gql } from '../api.js';
import { formatDetail, formatTime, h } from '../dom.js';

const INSTANCE = `query ($id: ID!) {
  journeyInstance(id: $id) {
    id journeyId journeyVersion userId uniqueId status currentStep enteredAt endedAt exitReason converted waitingUntil context
    timeline { id at type stepKey detail }
  }
}`;

/** One instance: where it is, its timeline (growing live) and its context. */
export async function instanceView(viewer, id) {
  const { journeyInstance: instance } = await gql(INSTANCE, { id });
  if (!instance) throw new Error(`Instance ${id} not found.`);
  const { journey } = await gql('query ($id: ID!) { journey(id: $id) { name } }', { id: instance.journeyId });

  const seen = new Set();
  const timeline = h('ol', { class: 'timeline', id: 'timeline' });
  const state = h('dl', { class: 'facts', id: 'instance-state' });
  const addRecord = (record) => {
    if (seen.has(record.id)) return;
    seen.add(record.id);
    timeline.append(
      h(
        'li',
        { 'data-type': record.type, 'data-step': record.stepKey ?? '' },
        h('time', {}, formatTime(record.at)),
        h('strong', {}, record.type),
        record.stepKey ? h('code', {}, record.stepKey) : null,
        h('span', { class: 'detail' }, formatDetail(record.detail)),
      ),
    );
  };
  const showState = (current) =>
    state.replaceChildren(
      ...[
        ['Journey', h('a', { href: `#/journeys/${current.journeyId}` }, `${journey?.name ?? current.journeyId} (v${current.journeyVersion})`)],
        ['User', h('a', { href: `#/profiles/${encodeURIComponent(current.userId)}` }, current.userId)],
        ['Status', h('span', { id: 'instance-status' }, current.status)],
        ['At step', h('span', { id: 'instance-step' }, current.currentStep ?? '—')],
        ['Entered', formatTime(current.enteredAt)],
        ['Waiting until', formatTime(current.waitingUntil)],
        ['Ended', current.endedAt ? `${formatTime(current.endedAt)}${current.exitReason ? ` (${current.exitReason})` : ''}` : '—'],
        ['Converted', current.converted ? 'yes' : 'no'],
        ['Unique id', current.uniqueId ?? '—'],
      ].flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
    );
  instance.timeline.forEach(addRecord);
  showState(instance);

  const lastId = instance.timeline.at(-1)?.id ?? null;
  const stop = followActivity(
    { userId: instance.userId, journeyId: instance.journeyId },
    (record) => {
      if (record.instanceId !== id) return;
      addRecord(record);
      void gql(INSTANCE, { id }).then(({ journeyInstance }) => journeyInstance && showState(journeyInstance));
    },
    { after: lastId },
  );

  return {
    element: h(
      'section',
      { class: 'instance' },
      h('p', { class: 'crumbs' }, h('a', { href: `#/journeys/${instance.journeyId}` }, journey?.name ?? 'Journey'), ' / instance'),
      h('h1', {}, `Instance ${id.slice(0, 8)}`),
      state,
      h('h2', {}, 'Timeline'),
      timeline,
      h('h2', {}, 'Context'),
      h('pre', { class: 'json' }, JSON.stringify(instance.context, null, 2)),
    ),
    leave: stop,
  };
}
