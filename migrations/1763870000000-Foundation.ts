import { MigrationInterface, QueryRunner } from 'typeorm';

/** Workspaces, profiles and the event log that ingestion writes. */
export class Foundation1763870000000 implements MigrationInterface {
  name = 'Foundation1763870000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        admin_token_hash text NOT NULL UNIQUE,
        write_key_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE profiles (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        traits jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, user_id)
      )`);
    // seq is the acceptance order: one user's events are applied in seq order.
    await db.query(`
      CREATE TABLE events (
        seq bigserial PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        anonymous_id text,
        type text NOT NULL CHECK (type IN ('track', 'identify', 'page')),
        event text,
        properties jsonb NOT NULL DEFAULT '{}',
        traits jsonb,
        context jsonb NOT NULL DEFAULT '{}',
        message_id text NOT NULL,
        timestamp timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX events_by_user ON events (workspace_id, user_id, seq)`);
    await db.query(`CREATE INDEX events_by_user_event ON events (workspace_id, user_id, event, timestamp)`);
    // 24-hour messageId deduplication; housekeeping purges older rows.
    await db.query(`
      CREATE TABLE message_ids (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        message_id text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, message_id)
      )`);
    await db.query(`CREATE INDEX message_ids_by_age ON message_ids (received_at)`);
    // How far the runtime has applied each user's events.
    await db.query(`
      CREATE TABLE event_cursors (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        applied_seq bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (workspace_id, user_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE event_cursors, message_ids, events, profiles, workspaces`);
  }
}
