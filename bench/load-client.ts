/**
 * The load generator's ingestion client: node:http with keep-alive connections. The tests' client uses
 * fetch, which costs several times more CPU per request; on 2 cores shared with Itinera, the load
 * generator's own CPU would otherwise be counted against every figure.
 */
import http from 'node:http';
import type { HttpResult } from '../test/harness/clients';

export class LoadClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly target: URL;
  private readonly authorization: string;

  constructor(url: string, writeKey: string) {
    this.target = new URL(url);
    this.authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  }

  track(message: Record<string, unknown>): Promise<HttpResult> {
    return this.post('/v1/track', message);
  }

  identify(message: Record<string, unknown>): Promise<HttpResult> {
    return this.post('/v1/identify', message);
  }

  /** A track call that must be accepted. */
  async send(message: Record<string, unknown>): Promise<void> {
    const result = await this.track(message);
    if (result.status !== 200) throw new Error(`track refused: ${result.status} ${JSON.stringify(result.body)}`);
  }

  batch(batch: Record<string, unknown>[]): Promise<HttpResult> {
    return this.post('/v1/batch', { batch });
  }

  close(): void {
    this.agent.destroy();
  }

  private post(path: string, body: unknown): Promise<HttpResult> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent: this.agent,
          host: this.target.hostname,
          port: this.target.port,
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: this.authorization },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // Kept as text for the report.
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }
}
