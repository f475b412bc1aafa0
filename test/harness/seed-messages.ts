import { seed } from '../../src/engine/seed-events.fixture';

/** Seed 001's application events as a track call of `userId` for one application. */
export function applicationEvent(event: 'applicationStarted' | 'applicationCompleted', userId: string, applicationId: string) {
  return { type: 'track', ...seed[event], userId, properties: { ...seed[event].properties, Application_id: applicationId } };
}
