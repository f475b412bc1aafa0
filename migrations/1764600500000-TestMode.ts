import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Test mode (issue 18): a workspace's test profiles, the definitions a journey under test runs (frozen
 * apart from published versions, numbered on their own), and a `test` mark on the instances, activity
 * records and deliveries of test runs, which keeps them out of journey statistics.
 */
export class TestMode1764600500000 implements MigrationInterface {
  name = 'TestMode1764600500000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE workspace_test_profiles (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, user_id)
      )`);
    await db.query(`
      CREATE TABLE journey_test_versions (
        journey_id uuid NOT NULL REFERENCES journeys(id) ON DELETE CASCADE,
        version int NOT NULL,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (journey_id, version)
      )`);
    // One row per journey under test: the test version new test entries run, and why the latest edit is not it.
    await db.query(`
      CREATE TABLE journey_tests (
        journey_id uuid PRIMARY KEY REFERENCES journeys(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        version int NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        problems jsonb NOT NULL DEFAULT '[]',
        FOREIGN KEY (journey_id, version) REFERENCES journey_test_versions (journey_id, version)
      )`);
    await db.query(`CREATE INDEX journey_tests_by_workspace ON journey_tests (workspace_id)`);

    // Constant defaults: no table rewrite.
    await db.query(`ALTER TABLE journey_instances ADD COLUMN test boolean NOT NULL DEFAULT false, ADD COLUMN reset_at timestamptz`);
    await db.query(`ALTER TABLE activities ADD COLUMN test boolean NOT NULL DEFAULT false`);
    await db.query(`ALTER TABLE deliveries ADD COLUMN test boolean NOT NULL DEFAULT false`);
    // A test profile may have a live instance of a paused journey and a test instance of it at once.
    await db.query(`DROP INDEX instances_one_active`);
    await db.query(
      `CREATE UNIQUE INDEX instances_one_active ON journey_instances (journey_id, user_id, COALESCE(unique_id, ''), test) WHERE status = 'ACTIVE'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX instances_one_active`);
    await db.query(`DELETE FROM journey_instances WHERE test`);
    await db.query(`CREATE UNIQUE INDEX instances_one_active ON journey_instances (journey_id, user_id, COALESCE(unique_id, '')) WHERE status = 'ACTIVE'`);
    await db.query(`ALTER TABLE deliveries DROP COLUMN test`);
    await db.query(`ALTER TABLE activities DROP COLUMN test`);
    await db.query(`ALTER TABLE journey_instances DROP COLUMN test, DROP COLUMN reset_at`);
    await db.query(`DROP TABLE journey_tests`);
    await db.query(`DROP TABLE journey_test_versions`);
    await db.query(`DROP TABLE workspace_test_profiles`);
  }
}
