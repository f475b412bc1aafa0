import { createServer } from 'node:net';
import { DataDirectoryInUseError } from '../database/data-directory-owner';

/** A start that cannot go on for a reason the operator can fix: said in one line, without a stack trace. */
export class StartupFailure extends Error {}

/** Refuses a busy HTTP port before anything else starts (the embedded server, migrations, workers). */
export async function checkPortIsFree(port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? portInUse(port) : error));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

/** The one line to print for a start that failed, when it failed for a known reason. */
export function describeStartupFailure(error: unknown, port: number): string | null {
  if (error instanceof StartupFailure || error instanceof DataDirectoryInUseError) return error.message;
  if ((error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE') return portInUse(port).message;
  return null;
}

function portInUse(port: number): StartupFailure {
  return new StartupFailure(`port ${port} is already in use by another process: stop it, or start Itinera on another port with PORT=<port>`);
}
