import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backtests: what was asked (the definition as it was, the period), where the replay is (events and users
 * replayed, for progress) and what it found. A long one is a pg-boss job that updates its row per page;
 * cancelling sets the status, which the job reads between pages.
 */
export class Backtests1764600400000 implements MigrationInterface {
  name = 'Backtests1764600400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE backtests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        journey_id uuid REFERENCES journeys(id) ON DELETE SET NULL,
        journey_name text NOT NULL,
        definition jsonb NOT NULL,
        from_at timestamptz NOT NULL,
        to_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED')),
        events_total bigint,
        events_replayed bigint NOT NULL DEFAULT 0,
        users_replayed bigint NOT NULL DEFAULT 0,
        result jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await db.query(`CREATE INDEX backtests_by_workspace ON backtests (workspace_id, created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE backtests`);
  }
}
