import type { EntityManager } from 'typeorm';
import type { PublishedJourneys, RunnableJourney } from '../journeys/published-journeys';
import { testProfilesAmong } from '../test-mode/test-profile-lookup';

/**
 * The journeys a workspace's users may enter during one job: the published ones for everyone, and those
 * under test for its test profiles only (their events drive the published journeys as well: they are
 * real users).
 */
export interface JourneysToEnter {
  published: RunnableJourney[];
  underTest: RunnableJourney[];
  testProfiles: ReadonlySet<string>;
}

/** Reads the test profiles only when a journey is under test, so a workspace not testing pays one small query. */
export async function journeysToEnter(manager: EntityManager, journeys: PublishedJourneys, workspaceId: string, userIds: string[]): Promise<JourneysToEnter> {
  const published = await journeys.admitting(manager, workspaceId);
  const underTest = await journeys.underTest(manager, workspaceId);
  const testProfiles = underTest.length > 0 ? await testProfilesAmong(manager, workspaceId, userIds) : new Set<string>();
  return { published, underTest: testProfiles.size > 0 ? underTest : [], testProfiles };
}

export function publishedOnly(published: RunnableJourney[]): JourneysToEnter {
  return { published, underTest: [], testProfiles: new Set() };
}

/** What one user may enter. */
export function journeysOf(entries: JourneysToEnter, userId: string): RunnableJourney[] {
  return entries.testProfiles.has(userId) ? [...entries.published, ...entries.underTest] : entries.published;
}

/** What any user of the job may enter: the facts loaded for the job cover all of them. */
export function allJourneysOf(entries: JourneysToEnter): RunnableJourney[] {
  return [...entries.published, ...entries.underTest];
}
