import { EntityManager } from 'typeorm';

/** Audience filters on entry (`trigger.audienceFilterId`): provided by the audiences module when present. */
export abstract class EntryGate {
  abstract isMember(manager: EntityManager, workspaceId: string, audienceId: string, userId: string): Promise<boolean>;
}
