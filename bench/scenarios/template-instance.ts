import type { BenchEnvironment, BenchWorkspace } from '../bench-environment';
import { pollUntil } from '../load';

/** One real instance, entered through the API and run by the worker up to its hold: what bulk clones copy. */
export async function templateInstance(env: BenchEnvironment, ws: BenchWorkspace, journeyId: string, trigger: string): Promise<string> {
  const userId = `template-${journeyId.slice(0, 8)}`;
  await ws.ingestion.identify({ userId, traits: { email: 'ada@example.com', first_name: 'Ada', plan: 'trial' } });
  await ws.ingestion.send({ userId, event: trigger, properties: { Application_id: '1234', Category: 'A', Tier: 'Premium' } });
  let id: string | undefined;
  const ready = await pollUntil(
    async () => {
      const rows = (await env.db.query(`SELECT id FROM journey_instances WHERE journey_id = $1 AND user_id = $2 AND waiting_until IS NOT NULL`, [journeyId, userId])).rows;
      id = rows[0]?.id;
      return Boolean(id);
    },
    { maxMs: 120_000, intervalMs: 100 },
  );
  if (!ready || !id) throw new Error(`the template instance of journey ${journeyId} did not reach its hold`);
  return id;
}
