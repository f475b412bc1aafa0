import { Logger } from 'pino';
import { WorkspaceCredentials } from '../workspaces/workspace.service';

/**
 * The `default` workspace's credentials, on the start that creates it (only hashes are stored, so
 * they are never shown again): one structured log record for log collectors, and a block for a
 * person only when stdout is a terminal, where it is not mixed into JSON logs.
 */
export function announceFirstStartCredentials(logger: Logger, credentials: WorkspaceCredentials, stdout: NodeJS.WriteStream = process.stdout): void {
  // Written whatever LOG_LEVEL says: a start that creates the workspace and hides its token helps no one.
  logger.child({}, { level: 'info' }).info({
    msg: 'created the "default" workspace: keep its admin token and write key, they are not shown again',
    event: 'default_workspace_created',
    workspace: 'default',
    adminToken: credentials.adminToken,
    writeKey: credentials.writeKey,
  });
  if (!stdout.isTTY) return;
  stdout.write(
    `\nItinera created the "default" workspace. Keep these, they are not shown again:\n` +
      `  admin token (GraphQL, Authorization: Bearer ...): ${credentials.adminToken}\n` +
      `  write key (ingestion API):                        ${credentials.writeKey}\n\n`,
  );
}
