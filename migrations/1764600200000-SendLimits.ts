import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Frequency caps (per workspace), destination rate limits and journeys' entry limits (issue 17).
 * - Caps count a user's recent non-transactional deliveries, hence the partial index by user and time.
 * - A rate-limited destination's next free slot lives in one row, updated atomically by every worker.
 * - Entry limits per period count a journey's instances by entry time.
 */
export class SendLimits1764600200000 implements MigrationInterface {
  name = 'SendLimits1764600200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE workspaces ADD COLUMN frequency_caps jsonb NOT NULL DEFAULT '[]'`);
    await db.query(`ALTER TABLE deliveries ADD COLUMN transactional boolean NOT NULL DEFAULT false`);
    await db.query(`CREATE INDEX deliveries_capped_by_user ON deliveries (workspace_id, user_id, created_at) WHERE NOT transactional`);
    await db.query(`ALTER TABLE destinations ADD COLUMN rate_limit jsonb`);
    await db.query(`
      CREATE TABLE destination_rate_slots (
        destination_id uuid PRIMARY KEY REFERENCES destinations(id) ON DELETE CASCADE,
        next_slot_at timestamptz NOT NULL,
        reserved_until timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX instances_by_journey_entered ON journey_instances (journey_id, entered_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX instances_by_journey_entered`);
    await db.query(`DROP TABLE destination_rate_slots`);
    await db.query(`ALTER TABLE destinations DROP COLUMN rate_limit`);
    await db.query(`DROP INDEX deliveries_capped_by_user`);
    await db.query(`ALTER TABLE deliveries DROP COLUMN transactional`);
    await db.query(`ALTER TABLE workspaces DROP COLUMN frequency_caps`);
  }
}
