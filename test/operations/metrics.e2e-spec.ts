import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { IngestionClient } from '../harness/clients';
import { createWebhookDestination, instancesOf, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const METRICS_TOKEN = 'metrics_token_4b1e';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, sample lines only. */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => [name, value]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

describe('GET /metrics', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { metricsToken: METRICS_TOKEN } });
    receiver = await startRecordingServer();
  });
  const sockets: Client[] = [];
  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await itinera.close();
    await receiver.close();
  });

  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(`${itinera.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parse(await response.text());
  };
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

  it('refuses a scrape without the token', async () => {
    expect((await fetch(`${itinera.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${itinera.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('counts ingestion, instances, timers, runtime batches, deliveries, queues and sockets after real traffic', async () => {
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    const nudge = await publishJourney(itinera.graphql, {
      name: 'nudge after a second',
      trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
      steps: [
        { key: 'pause', name: 'Pause', type: 'WAIT', wait: { duration: 'PT1S' }, next: 'nudge' },
        { key: 'nudge', name: 'Nudge', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } } },
      ],
    });
    const later = await publishJourney(itinera.graphql, {
      name: 'reminder tomorrow',
      trigger: { type: 'EVENT', event: { event: 'Cart_Abandoned' } },
      steps: [{ key: 'tomorrow', name: 'Tomorrow', type: 'WAIT', wait: { duration: 'P1D' } }],
    });
    const socket: Client = createClient({ url: `${itinera.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${itinera.workspace.adminToken}` }, lazy: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.on('connected', () => resolve());
      socket.on('error', reject);
    });

    for (const userId of ['m1', 'm2']) expect((await itinera.ingestion.track({ userId, event: 'Application_Started' })).status).toBe(200);
    expect((await itinera.ingestion.track({ userId: 'm3', event: 'Cart_Abandoned' })).status).toBe(200);
    expect((await itinera.ingestion.track({ userId: 'm4' })).status).toBe(400);
    expect((await new IngestionClient(itinera.url, 'not-a-key').track({ userId: 'm5', event: 'x' })).status).toBe(401);
    await waitFor(async () => (await instancesOf(itinera.db, nudge.id)).filter((i) => i.status === 'COMPLETED').length === 2, { what: 'two completed nudges' });
    await waitFor(async () => (await instancesOf(itinera.db, later.id)).length === 1, { what: 'the reminder waiting' });
    // Deliveries are recorded on their own, after the instances move on.
    const samples = await waitFor(async () => {
      const scraped = await scrape();
      return value(scraped, 'itinera_delivery_attempts_total') === 2 && scraped;
    }, { what: 'both deliveries recorded' });
    expect({
      accepted: value(samples, 'itinera_ingestion_requests_total', { outcome: 'accepted' }),
      invalid: value(samples, 'itinera_ingestion_requests_total', { outcome: 'refused', reason: 'invalid' }),
      unauthorized: value(samples, 'itinera_ingestion_requests_total', { outcome: 'refused', reason: 'unauthorized' }),
      timedRequests: value(samples, 'itinera_ingestion_request_duration_seconds_count'),
      entered: value(samples, 'itinera_instances_total', { journey_id: nudge.id, transition: 'entered' }),
      completed: value(samples, 'itinera_instances_total', { journey_id: nudge.id, transition: 'completed' }),
      enteredLater: value(samples, 'itinera_instances_total', { journey_id: later.id, transition: 'entered' }),
      delivered: value(samples, 'itinera_delivery_attempts_total', { destination_id: webhook, plugin: 'webhook', outcome: 'delivered' }),
      deliveryLatencies: value(samples, 'itinera_delivery_latency_seconds_count', { plugin: 'webhook' }),
      waitingTimers: value(samples, 'itinera_queue_jobs', { queue: 'instance-timers', state: 'waiting' }),
      dueTimers: value(samples, 'itinera_queue_jobs', { queue: 'instance-timers', state: 'due' }),
      sockets: value(samples, 'itinera_graphql_ws_connections'),
    }).toEqual({
      accepted: 3,
      invalid: 1,
      unauthorized: 1,
      timedRequests: 5,
      entered: 2,
      completed: 2,
      enteredLater: 1,
      delivered: 2,
      deliveryLatencies: 2,
      waitingTimers: 1,
      dueTimers: 0,
      sockets: 1,
    });
    // Both one-second waits fired (their lateness observed), and the runtime ran batches of events and timers.
    expect(value(samples, 'itinera_job_lateness_seconds_count', { queue: 'instance-timers' })).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'itinera_job_batch_duration_seconds_count', { queue: 'user-events' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'itinera_job_batch_duration_seconds_count', { queue: 'instance-timers' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name === 'itinera_queue_oldest_due_job_age_seconds' && s.labels.queue === 'instance-timers')).toBe(true);
    expect(samples.find((s) => s.name === 'nodejs_eventloop_lag_seconds')?.value).toBeGreaterThanOrEqual(0);

    await socket.dispose();
    await waitFor(async () => value(await scrape(), 'itinera_graphql_ws_connections') === 0, { what: 'the socket to be counted out' });
  });
});
