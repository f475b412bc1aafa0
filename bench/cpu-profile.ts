/**
 * Where an Itinera process's CPU goes, per stage of an event's path. The process is started with
 * `--inspect=127.0.0.1:0` (loopback only); the benchmark connects to its inspector, samples its CPU
 * (V8's profiler) for the length of one load, and attributes every sample to a stage by its call stack:
 * the deepest frame in Itinera's own code decides (`src/ingestion/ingestion.service.ts` → ingestion SQL),
 * and a sample with no such frame (a socket callback parsing a PostgreSQL reply, express parsing a
 * body) goes to the library at its leaf. CPU time, unlike throughput, is barely distorted by other
 * processes on the machine, so these figures compare across runs on a shared machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import WebSocket from 'ws';

interface CallFrame {
  url: string;
  functionName: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Stages of the breakdown, by folder or file of Itinera's code (first match wins). */
const SOURCE_STAGES: [RegExp, string][] = [
  [/\/src\/ingestion\/(ingestion\.service|profile-aliases)\.ts|\/src\/profiles\//, 'ingestion SQL'],
  [/\/src\/queue\/wake-up-sender\.ts|\/src\/instances\/user-wake-ups\.ts/, 'wake-ups'],
  [/\/src\/(ingestion|ingestion-limits|workspaces)\//, 'HTTP + validation'],
  [/\/src\/queue\//, 'job bookkeeping'],
  [/\/src\/engine\//, 'engine'],
  [/\/src\/activity\//, 'activity'],
  [/\/src\/deliveries\/delivery\.processor\.ts|\/src\/deliveries\/delivery-scheduler\.ts|\/src\/deliveries\/fair/, 'delivery fetch'],
  [/\/src\/plugin-kit\/|\/plugins\//, 'plugin call'],
  [/\/src\/deliveries\//, 'delivery'],
  [/\/src\/audiences\//, 'audiences'],
  [/\/src\/(instances|journeys)\//, 'runtime job'],
  [/\/src\/metrics\/|\/src\/common\/logger/, 'metrics + logs'],
];

/** For samples with no frame of Itinera's: the library they run in. */
const LIBRARY_STAGES: [RegExp, string][] = [
  [/node_modules\/pg-boss\//, 'job bookkeeping'],
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+|typeorm|pg-listen)\//, 'database driver (replies)'],
  [/node_modules\/(express|body-parser|raw-body|router|@nestjs|on-finished|finalhandler|iconv-lite|type-is|content-type|send|qs|cors)\//, 'HTTP framework'],
  [/node_modules\/(graphql|@apollo|@graphql-tools|graphql-ws)\//, 'GraphQL'],
  [/node_modules\/(pino|prom-client)/, 'metrics + logs'],
  [/node_modules\/undici\//, 'plugin call'],
  [/node_modules\/(rxjs|reflect-metadata|tslib)\//, 'HTTP framework'],
  [/node_modules\/ts-node\/|node_modules\/typescript\//, 'ts-node'],
];

const SPECIAL = new Map<string, string>(Object.entries({
  '(garbage collector)': 'garbage collection',
  '(program)': 'V8 / native (unattributed)',
  '(idle)': 'idle',
  '(root)': 'V8 / native (unattributed)',
}));

function classify(frame: CallFrame, rules: [RegExp, string][]): string | undefined {
  if (!frame.url) return undefined;
  return rules.find(([pattern]) => pattern.test(frame.url))?.[1];
}

/**
 * CPU milliseconds per stage (idle excluded), scaled to `processCpuMs` when given. V8 times samples by
 * the wall clock: while the process waits for a core (a machine shared with other work), the time is
 * counted to the sample that was running. The profile is trusted for the shares of the stages, and the
 * kernel's count of the process's CPU time (/proc) for the total.
 */
export function cpuByStage(profile: CpuProfile, processCpuMs?: number): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stageOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = stageOf.get(id);
    if (known) return known;
    // Deepest frame of our code on the stack, else the library at the leaf, else what V8 calls it.
    let source: string | undefined;
    let library: string | undefined;
    let special: string | undefined;
    let nodeIsNode = false;
    for (let at: number | undefined = id; at !== undefined && !source; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      source = classify(frame, SOURCE_STAGES);
      library ??= classify(frame, LIBRARY_STAGES);
      if (at === id) {
        special = SPECIAL.get(frame.functionName);
        nodeIsNode = frame.url.startsWith('node:');
      }
    }
    const stage = special ?? source ?? library ?? (nodeIsNode ? 'Node internals (sockets, timers)' : 'other');
    stageOf.set(id, stage);
    return stage;
  };
  const totals = new Map<string, number>();
  // timeDeltas[i] is the time before sample i; the time spent in sample i is the next delta.
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const stage = resolve(profile.samples[i]);
    if (stage !== 'idle') totals.set(stage, (totals.get(stage) ?? 0) + ms);
  }
  if (processCpuMs === undefined) return totals;
  const sampled = [...totals.values()].reduce((a, b) => a + b, 0);
  return new Map([...totals].map(([stage, ms]) => [stage, sampled > 0 ? (ms / sampled) * processCpuMs : 0]));
}

/** A connection to one process's inspector (the URL it printed: "Debugger listening on ws://…"). */
export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = message.id !== undefined ? this.pending.get(message.id) : undefined;
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  static async connect(processOutput: string): Promise<InspectorSession> {
    const url = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(processOutput)?.[1];
    if (!url) throw new Error('the process printed no inspector URL (was it started with --inspect=127.0.0.1:0?)');
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new InspectorSession(socket);
  }

  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Samples the process's CPU while `load` runs. */
  async profile<T>(load: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: 500 });
    await this.send('Profiler.start');
    const result = await load();
    const { profile } = await this.send<{ profile: CpuProfile }>('Profiler.stop');
    await this.send('Profiler.disable');
    return { result, profile };
  }

  close(): void {
    this.socket.close();
  }
}

/** CPU milliseconds used so far by one process (all its threads: V8's, libuv's), from /proc. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU milliseconds used by PostgreSQL's processes under `rootPid` (the server and its backends) between
 * start() and stop(); a backend that exits meanwhile keeps its last reading (sampled every 200 ms).
 */
export class PostgresCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly rootPid: number) {}

  start(): void {
    for (const [pid, ticks] of postgresTicks(this.rootPid)) this.first.set(pid, ticks);
    this.timer = setInterval(() => this.sample(), 200);
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    let ticks = 0;
    for (const [pid, value] of this.last) ticks += value - (this.first.get(pid) ?? 0);
    return ticks * 10;
  }

  private sample(): void {
    for (const [pid, ticks] of postgresTicks(this.rootPid)) this.last.set(pid, ticks);
  }
}

/** CPU ticks (1/100 s) used so far by each of PostgreSQL's processes under `rootPid`. */
function postgresTicks(rootPid: number): Map<number, number> {
  const children = new Map<number, number[]>();
  const info = new Map<number, { comm: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      info.set(pid, { comm, ticks: Number(fields[11]) + Number(fields[12]) });
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // Exited meanwhile.
    }
  }
  const result = new Map<number, number>();
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    const process = info.get(pid);
    if (process?.comm.startsWith('postgres')) result.set(pid, process.ticks);
    stack.push(...(children.get(pid) ?? []));
  }
  return result;
}
