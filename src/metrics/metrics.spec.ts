import { readFileSync } from 'node:fs';
import path from 'node:path';
import { metricsRegistry } from './metrics';

const ROOT = path.resolve(__dirname, '..', '..');
const itineraMetrics = () => metricsRegistry.getMetricsAsArray().map((metric) => metric.name).filter((name) => name.startsWith('itinera_'));

describe('the metrics', () => {
  it('are each documented in the README', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(itineraMetrics().filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('are the only ones the example Grafana dashboard queries', () => {
    const dashboard = readFileSync(path.join(ROOT, 'examples', 'grafana', 'itinera-dashboard.json'), 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b(itinera_[a-z_]+?)(?:_bucket|_count|_sum)?\b/g)].map((match) => match[1]));
    const known = new Set(itineraMetrics());
    expect([...queried].filter((name) => !known.has(name))).toEqual([]);
    expect(queried.size).toBeGreaterThanOrEqual(known.size - 1);
  });
});
