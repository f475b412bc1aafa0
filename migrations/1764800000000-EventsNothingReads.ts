import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events that no journey of their workspace could read when they were accepted get no runtime job
 * (issue 19): `events.applies` marks the ones the runtime applies, and `journey_catalog_versions` counts
 * every change to what a workspace's journeys and audiences can read, so ingestion can tell whether the
 * list it cached is still current, in the statement that stores the events.
 */
export class EventsNothingReads1764800000000 implements MigrationInterface {
  name = 'EventsNothingReads1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE events ADD COLUMN applies boolean NOT NULL DEFAULT true`);
    await db.query(`
      CREATE TABLE journey_catalog_versions (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        version bigint NOT NULL
      )`);
    // A trigger, not application code: every path that changes journeys (admin API, CLI, migrations,
    // a manual fix in psql) moves the version, in the changing transaction.
    await db.query(`
      CREATE FUNCTION journey_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        changed uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END;
      BEGIN
        INSERT INTO journey_catalog_versions (workspace_id, version) VALUES (changed, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET version = journey_catalog_versions.version + 1;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER journey_catalog_changed AFTER INSERT OR DELETE OR UPDATE OF status, version ON journeys
      FOR EACH ROW EXECUTE FUNCTION journey_catalog_changed()`);
    for (const table of ['journey_versions', 'journey_tests', 'journey_test_versions']) {
      await db.query(`CREATE TRIGGER journey_catalog_changed AFTER INSERT OR DELETE OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION journey_catalog_changed()`);
    }
    // Any audience makes every event read (its membership may depend on it): only their existence counts.
    await db.query(`CREATE TRIGGER journey_catalog_changed AFTER INSERT OR DELETE ON audiences FOR EACH ROW EXECUTE FUNCTION journey_catalog_changed()`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['journeys', 'journey_versions', 'journey_tests', 'journey_test_versions', 'audiences']) {
      await db.query(`DROP TRIGGER journey_catalog_changed ON ${table}`);
    }
    await db.query(`DROP FUNCTION journey_catalog_changed()`);
    await db.query(`DROP TABLE journey_catalog_versions`);
    await db.query(`ALTER TABLE events DROP COLUMN applies`);
  }
}
