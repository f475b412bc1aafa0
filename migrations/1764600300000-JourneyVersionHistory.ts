import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versions of a live journey: who published each one and what it changed, and the draft of the next
 * version a published journey may have open. Versions frozen before this keep their creation time as
 * their publication time and name no token.
 */
export class JourneyVersionHistory1764600300000 implements MigrationInterface {
  name = 'JourneyVersionHistory1764600300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE journey_versions
        ADD COLUMN published_at timestamptz,
        ADD COLUMN published_by_token_id uuid,
        ADD COLUMN published_by_token_name text,
        ADD COLUMN changes jsonb,
        ADD COLUMN restored_from int,
        ADD COLUMN migration text NOT NULL DEFAULT 'STAY'`);
    await db.query(`UPDATE journey_versions SET published_at = created_at`);
    await db.query(`ALTER TABLE journey_versions ALTER COLUMN published_at SET NOT NULL, ALTER COLUMN published_at SET DEFAULT now()`);
    // The number the open draft version will get when published; null when none is open.
    await db.query(`ALTER TABLE journeys ADD COLUMN draft_version int`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE journeys DROP COLUMN draft_version`);
    await db.query(`
      ALTER TABLE journey_versions
        DROP COLUMN published_at, DROP COLUMN published_by_token_id, DROP COLUMN published_by_token_name,
        DROP COLUMN changes, DROP COLUMN restored_from, DROP COLUMN migration`);
  }
}
