import { EntityManager } from 'typeorm';
import { AcceptedMessage } from './message-validation';

/**
 * `alias(userId, previousId)`: the user was known as `previousId` (typically the anonymous id before
 * sign-up). Its profile's traits are merged into the user's, where the user has none of its own.
 * Events stay under the id they were sent with. Called with the aliased users' profiles already locked.
 */
export async function applyAliases(manager: EntityManager, workspaceId: string, messages: AcceptedMessage[]): Promise<void> {
  const aliases = messages.filter((m) => m.type === 'alias' && m.previousId !== undefined && m.previousId !== m.userId);
  if (aliases.length === 0) return;
  await manager.query(
    `UPDATE profiles p SET traits = previous.traits || p.traits, updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS a(user_id text, previous_id text)
     JOIN profiles previous ON previous.workspace_id = $1 AND previous.user_id = a.previous_id
     WHERE p.workspace_id = $1 AND p.user_id = a.user_id AND previous.traits <> '{}'::jsonb`,
    [workspaceId, JSON.stringify(aliases.map((m) => ({ user_id: m.userId, previous_id: m.previousId })))],
  );
}
