import { MigrationInterface, QueryRunner } from 'typeorm';

/** Journeys and their frozen versions, destinations, instances, the activity log and deliveries. */
export class Journeys1763870100000 implements MigrationInterface {
  name = 'Journeys1763870100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE journeys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL,
        description text,
        status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'PUBLISHED', 'PAUSED', 'ARCHIVED')),
        version int NOT NULL DEFAULT 1,
        draft jsonb NOT NULL,
        duplicated_from_id uuid REFERENCES journeys(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        UNIQUE (workspace_id, name)
      )`);
    await db.query(`CREATE INDEX journeys_by_status ON journeys (workspace_id, status, created_at, id)`);
    // What instances run: a published journey's definition, frozen per version.
    await db.query(`
      CREATE TABLE journey_versions (
        journey_id uuid NOT NULL REFERENCES journeys(id) ON DELETE CASCADE,
        version int NOT NULL,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (journey_id, version)
      )`);
    await db.query(`
      CREATE TABLE destinations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL,
        plugin text NOT NULL,
        settings jsonb NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX destinations_by_workspace ON destinations (workspace_id, created_at)`);
    await db.query(`
      CREATE TABLE journey_instances (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        journey_id uuid NOT NULL REFERENCES journeys(id) ON DELETE CASCADE,
        journey_version int NOT NULL,
        user_id text NOT NULL,
        unique_id text,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'COMPLETED', 'EXITED')),
        current_step text,
        step_seq int NOT NULL DEFAULT 0,
        visits jsonb NOT NULL DEFAULT '{}',
        context jsonb NOT NULL,
        converted boolean NOT NULL DEFAULT false,
        exit_reason text,
        waiting_until timestamptz,
        entered_at timestamptz NOT NULL,
        ended_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // An event finds the user's active instances through this index, never by scanning.
    await db.query(`CREATE INDEX instances_active_by_user ON journey_instances (workspace_id, user_id) WHERE status = 'ACTIVE'`);
    // The entry rules, enforced by the database as well: one active instance per user (and unique id).
    await db.query(
      `CREATE UNIQUE INDEX instances_one_active ON journey_instances (journey_id, user_id, COALESCE(unique_id, '')) WHERE status = 'ACTIVE'`,
    );
    await db.query(`CREATE INDEX instances_by_journey_user ON journey_instances (journey_id, user_id)`);
    await db.query(`CREATE INDEX instances_by_journey_status ON journey_instances (journey_id, status, current_step)`);
    await db.query(`
      CREATE TABLE activities (
        id bigserial PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        journey_id uuid NOT NULL,
        instance_id uuid NOT NULL,
        user_id text NOT NULL,
        type text NOT NULL,
        step_key text,
        detail jsonb,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX activities_by_workspace ON activities (workspace_id, id)`);
    await db.query(`CREATE INDEX activities_by_journey ON activities (workspace_id, journey_id, id)`);
    await db.query(`CREATE INDEX activities_by_user ON activities (workspace_id, user_id, id)`);
    await db.query(`CREATE INDEX activities_by_instance ON activities (instance_id, id)`);
    await db.query(`CREATE INDEX activities_by_type ON activities (workspace_id, type, id)`);
    await db.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        journey_id uuid NOT NULL,
        instance_id uuid NOT NULL,
        user_id text NOT NULL,
        step_key text NOT NULL,
        destination_id uuid NOT NULL,
        action text NOT NULL,
        event_name text,
        idempotency_key text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'RETRYING', 'FAILED')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        UNIQUE (workspace_id, idempotency_key)
      )`);
    await db.query(`CREATE INDEX deliveries_by_workspace ON deliveries (workspace_id, created_at, id)`);
    await db.query(`CREATE INDEX deliveries_by_journey ON deliveries (workspace_id, journey_id, status)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE deliveries, activities, journey_instances, destinations, journey_versions, journeys`);
  }
}
