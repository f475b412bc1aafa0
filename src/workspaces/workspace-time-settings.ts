import type { EntityManager } from 'typeorm';
import { compact, orUndefined, type Nullable } from '../engine/input-normalizing';
import type { Problem } from '../engine/problem';
import { checkTimeSettings, normalizeQuietHours, type QuietHoursInputShape, type TimeSettings } from '../engine/time-settings';

export interface WorkspaceTimeSettingsInputShape {
  timeZone?: Nullable<string>;
  quietHours?: Nullable<QuietHoursInputShape>;
}

/** The settings an input describes (null clears one) and every problem they have, with paths under `input`. */
export function normalizeWorkspaceTimeSettings(input: WorkspaceTimeSettingsInputShape): { settings: TimeSettings; problems: Problem[] } {
  const settings = compact({ timeZone: orUndefined(input.timeZone), quietHours: normalizeQuietHours(input.quietHours) });
  const problems: Problem[] = [];
  checkTimeSettings(settings, 'input', (path, message) => problems.push({ path, message }));
  return { settings, problems };
}

/**
 * Each workspace's defaults, for the runtime's engine calls (`EngineFacts.workspaceTime`): one statement
 * for all the workspaces of a job.
 */
export async function workspaceTimeSettings(manager: EntityManager, workspaceIds: string[]): Promise<Map<string, TimeSettings>> {
  const rows: { id: string; time_zone: string | null; quiet_hours: TimeSettings['quietHours'] | null }[] = await manager.query(
    `SELECT id, time_zone, quiet_hours FROM workspaces WHERE id = ANY($1::uuid[])`,
    [workspaceIds],
  );
  return new Map(rows.map((row) => [row.id, compact({ timeZone: row.time_zone ?? undefined, quietHours: row.quiet_hours ?? undefined })]));
}
