import type { JourneyContext } from '@itinera/plugin-kit';

interface JourneyShape {
  trigger?: { event?: { event?: string } };
  steps?: { key?: string; type?: string; hold?: { branches?: { match?: { event?: string } }[] } }[];
}

const SAMPLE_TIME = '2025-03-01T10:00:00.000Z';

/**
 * The context `previewPayload` maps when the caller gives none: user 88, who started application 1234
 * (the application-abandonment use case), entering this journey through its own trigger event, with a
 * captured event for each hold step so that `$.events.<holdStepKey>` paths resolve.
 */
export function sampleJourneyContext(journey: { id: string; name: string; version: number }, definition: JourneyShape): JourneyContext {
  const events: JourneyContext['events'] = {};
  for (const step of definition.steps ?? []) {
    if (step?.type !== 'HOLD_UNTIL' || typeof step.key !== 'string') continue;
    events[step.key] = { event: step.hold?.branches?.[0]?.match?.event ?? 'Sample_Event', properties: {}, timestamp: SAMPLE_TIME };
  }
  return {
    userId: '88',
    journey: { id: journey.id, name: journey.name, version: journey.version },
    instance: { id: '00000000-0000-4000-8000-000000000088', uniqueId: '1234', enteredAt: SAMPLE_TIME },
    entry: {
      event: definition.trigger?.event?.event ?? 'Application_Started',
      properties: { Category: 'A', Tier: 'Premium', VIP: true, Application_id: '1234' },
      timestamp: SAMPLE_TIME,
      messageId: 'sample-message-88-1234',
    },
    events,
    traits: { email: 'ada@example.com', first_name: 'Ada' },
  };
}
