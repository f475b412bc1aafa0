import { DataSource, EntityManager } from 'typeorm';
import { lockUsers } from './user-lock';

/**
 * A runtime job's transaction (users' events, timers, an audience entry), under all its users' locks.
 *
 * Its commit does not wait for the disk (`synchronous_commit` off, for this transaction only). That is
 * safe because nothing outside depends on it before a later synchronous commit: the job's completion,
 * and the fetch of any job it enqueued (a delivery), are written after it in the WAL, so when either
 * returns this transaction is durable too; if PostgreSQL crashes before, both are lost and the job runs
 * again, which is idempotent (the event cursor and the instance's stepSeq move in this transaction).
 * Why: its activity records NOTIFY subscribers, and PostgreSQL lets one notifying transaction commit
 * at a time, holding a cluster-wide lock through its WAL flush: with durable commits every instance
 * advance waited for the previous one's fsync (measured: timers and matches queued behind each other).
 */
export function runtimeTransaction<T>(dataSource: DataSource, users: { workspaceId: string; userId: string }[], work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return dataSource.transaction(async (manager) => {
    await manager.query(`SELECT set_config('synchronous_commit', 'off', true)`);
    await lockUsers(manager, users);
    return work(manager);
  });
}
