import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the Segment browser and mobile libraries send: `screen` calls stored as events, the timestamp
 * as the device sent it (before the clock-skew correction), and the origins a workspace lets browsers send from.
 */
export class SegmentLibraries1763870900000 implements MigrationInterface {
  name = 'SegmentLibraries1763870900000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE events DROP CONSTRAINT events_type_check`);
    await db.query(`ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type IN ('track', 'identify', 'page', 'screen'))`);
    await db.query(`ALTER TABLE events ADD COLUMN original_timestamp timestamptz`);
    // No row: browsers may send from any origin. A row: only from the origins listed.
    await db.query(`
      CREATE TABLE ingestion_allowed_origins (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        origins text[] NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE ingestion_allowed_origins`);
    await db.query(`ALTER TABLE events DROP COLUMN original_timestamp`);
    await db.query(`DELETE FROM events WHERE type = 'screen'`);
    await db.query(`ALTER TABLE events DROP CONSTRAINT events_type_check`);
    await db.query(`ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type IN ('track', 'identify', 'page'))`);
  }
}
