/**
 * Part of scenario 7: what Nest's HTTP framework alone costs per request on Express (what Itinera runs on)
 * and on Fastify, to size what moving the ingestion routes to Fastify could save before doing it. The same
 * minimal application on each (http-adapter-server.ts) in its own process, single track calls from 32
 * connections, rounds interleaved (Express, Fastify, Express, ...); CPU per request from /proc.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { processCpuMs } from '../cpu-profile';
import { closedLoop, round } from '../load';
import { LoadClient } from '../load-client';
import type { BenchSizes, Measure } from '../report';

const ADAPTERS = ['express', 'fastify'] as const;

export async function httpAdapters(sizes: BenchSizes, log: (line: string) => void): Promise<Measure[]> {
  const seconds = sizes.quick ? 2 : 5;
  const rounds = sizes.quick ? 1 : 3;
  const servers = await Promise.all(ADAPTERS.map(start));
  const totals = ADAPTERS.map(() => ({ requests: 0, cpuMs: 0, ms: 0 }));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [i, server] of servers.entries()) {
        const client = new LoadClient(`http://127.0.0.1:${server.port}`, 'probe');
        const cpuBefore = processCpuMs(server.child.pid!);
        const result = await closedLoop({ concurrency: 32, maxOps: 1_000_000, maxMs: seconds * 1000 }, async (n) => {
          const answer = await client.track({ userId: `user-${n % 1000}`, event: 'Product Viewed', messageId: `m-${r}-${n}`, properties: { product_id: 'p-1', price: 12.5 } });
          return answer.status === 200;
        });
        client.close();
        totals[i].requests += result.ok;
        totals[i].cpuMs += processCpuMs(server.child.pid!) - cpuBefore;
        totals[i].ms += result.elapsedMs;
      }
    }
  } finally {
    for (const server of servers) server.child.kill();
  }
  const perRequest = totals.map((total) => total.cpuMs / total.requests);
  ADAPTERS.forEach((adapter, i) => log(`${adapter}: ${round(perRequest[i], 3)} CPU ms per request, ${round((totals[i].requests * 1000) / totals[i].ms)} req/s`));
  return ADAPTERS.map((adapter, i) => ({
    scenario: '7 single process',
    measure: `Nest on ${adapter === 'express' ? 'Express (as Itinera)' : 'Fastify'} alone, a minimal track route: CPU ms per request`,
    value: perRequest[i],
    unit: 'ms',
    higherIsBetter: false,
    note:
      `${totals[i].requests} requests from 32 connections, ${round((totals[i].requests * 1000) / totals[i].ms)} req/s, ${rounds} interleaved rounds of ${seconds} s` +
      (adapter === 'fastify' ? `; ${round(perRequest[0] - perRequest[1], 3)} ms less than Express` : ''),
  }));
}

async function start(adapter: (typeof ADAPTERS)[number]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(path.join(__dirname, '..', 'http-adapter-server.ts'), [], {
    env: { ...process.env, PROBE_ADAPTER: adapter },
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return { child, port: message.port };
}
