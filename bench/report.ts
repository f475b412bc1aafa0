/** The benchmark's sizes, its results, and how they are shown: a table on stdout and BENCHMARKS.md. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { round } from './load';

export interface BenchSizes {
  quick: boolean;
  /** Duration of each ingestion load (batch, then track). */
  ingestionSeconds: number;
  maxBatchEvents: number;
  batchConnections: number;
  /** Size of the user pool the ingestion events are spread over. */
  users: number;
  /** Duration of each latency run (200/s, then 1,000/s). */
  latencySeconds: number;
  /** Hold counts for scenario 3. */
  holds: number[];
  /** Waiting instances for scenario 4's two phases. */
  scaleSmall: number;
  scaleLarge: number;
  matchEvents: number;
  matchRate: number;
  /** How long the worker may take to catch up after a load. */
  drainSeconds: number;
}

export const FULL_SIZES: BenchSizes = {
  quick: false,
  ingestionSeconds: 15,
  maxBatchEvents: 400_000,
  batchConnections: 8,
  users: 50_000,
  latencySeconds: 15,
  holds: [100_000],
  scaleSmall: 10_000,
  scaleLarge: 1_000_000,
  matchEvents: 2_000,
  matchRate: 100,
  drainSeconds: 300,
};

export const QUICK_SIZES: BenchSizes = {
  quick: true,
  ingestionSeconds: 3,
  maxBatchEvents: 20_000,
  batchConnections: 8,
  users: 5_000,
  latencySeconds: 3,
  holds: [2_000],
  scaleSmall: 1_000,
  scaleLarge: 20_000,
  matchEvents: 200,
  matchRate: 100,
  drainSeconds: 60,
};

/** What the database alone does on the same machine (scenario 5), keyed for the ratio column. */
export interface RawReference {
  batchInsertRowsPerSecond?: number;
  singleInsertRowsPerSecond?: number;
  commitP50Ms?: number;
  commitP99Ms?: number;
  rowTransactionsPerSecond?: number;
  matchTransactionP99Ms?: number;
  /** Scenario 7: the backtest's keyset page query alone over the events it replays. */
  keysetReadEventsPerSecond?: number;
}

export interface Measure {
  scenario: string;
  measure: string;
  value: number;
  unit: string;
  /** With `percentOfRaw`, the target is a share of the database-alone figure (`rawKey`) measured in the same run. */
  target?: { op: '>=' | '<' | '<='; value: number; percentOfRaw?: boolean };
  /** The database-alone figure this one is compared with. */
  rawKey?: keyof RawReference;
  higherIsBetter: boolean;
  note?: string;
}

const RAW_LABELS: Record<keyof RawReference, string> = {
  batchInsertRowsPerSecond: 'batched INSERT rows/s',
  singleInsertRowsPerSecond: 'one-row INSERT tx/s',
  commitP50Ms: 'one-row commit p50',
  commitP99Ms: 'one-row commit p99',
  rowTransactionsPerSecond: 'one-row UPDATE tx/s',
  matchTransactionP99Ms: 'matching tx p99',
  keysetReadEventsPerSecond: 'keyset read of the same events',
};

const RAW_UNITS: Record<keyof RawReference, string> = {
  batchInsertRowsPerSecond: 'rows/s',
  singleInsertRowsPerSecond: 'tx/s',
  commitP50Ms: 'ms',
  commitP99Ms: 'ms',
  rowTransactionsPerSecond: 'tx/s',
  matchTransactionP99Ms: 'ms',
  keysetReadEventsPerSecond: 'events/s',
};

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0;
  return `${round(value, digits).toLocaleString('en-US')} ${unit}`;
}

export function verdict(m: Measure, raw: RawReference): string {
  if (!m.target) return '';
  const { op, value, percentOfRaw } = m.target;
  const reference = percentOfRaw && m.rawKey ? raw[m.rawKey] : undefined;
  const [compared, unit] = percentOfRaw ? [reference ? (m.value / reference) * 100 : NaN, `% of the DB alone`] : [m.value, ` ${m.unit}`];
  if (!Number.isFinite(compared)) return `target ${op} ${value}${unit}: not measured`;
  const met = op === '>=' ? compared >= value : op === '<' ? compared < value : compared <= value;
  if (met) return `✅ met (${op} ${value.toLocaleString('en-US')}${unit})`;
  const miss = m.higherIsBetter ? `${round((1 - compared / value) * 100)}% short` : `${round(compared / value, 1)}× the limit`;
  return `❌ missed (${op} ${value.toLocaleString('en-US')}${unit}; ${miss})`;
}

export function ratio(m: Measure, raw: RawReference): string {
  const reference = m.rawKey ? raw[m.rawKey] : undefined;
  if (!m.rawKey || reference === undefined || !Number.isFinite(reference)) return '';
  const r = m.value / reference;
  const shown = `${formatValue(reference, RAW_UNITS[m.rawKey])} (${RAW_LABELS[m.rawKey]})`;
  return m.higherIsBetter ? `${shown}: ${round(r * 100)}% of it` : `${shown}: ${round(r, 1)}×`;
}

export function markdownTable(measures: Measure[], raw: RawReference): string {
  const lines = [
    '| scenario | measure | result | target | DB alone (ratio) | notes |',
    '| --- | --- | --- | --- | --- | --- |',
    ...measures.map((m) => `| ${m.scenario} | ${m.measure} | **${formatValue(m.value, m.unit)}** | ${verdict(m, raw)} | ${ratio(m, raw)} | ${m.note ?? ''} |`),
  ];
  return lines.join('\n');
}

export function plainTable(measures: Measure[], raw: RawReference): string {
  const rows = [['scenario', 'measure', 'result', 'target', 'DB alone (ratio)'], ...measures.map((m) => [m.scenario, m.measure, formatValue(m.value, m.unit), verdict(m, raw), ratio(m, raw)])];
  const widths = rows[0].map((_, c) => Math.min(70, Math.max(...rows.map((r) => r[c].length))));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ')).join('\n');
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  postgres: string;
  date: string;
  commit: string;
}

export function machineInfo(postgresVersion: string): MachineInfo {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // Not a git checkout.
  }
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    postgres: postgresVersion,
    date: new Date().toISOString(),
    commit,
  };
}
