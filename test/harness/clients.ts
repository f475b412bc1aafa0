/** Typed-enough clients for the two public APIs, over real HTTP. */

export interface GraphqlResponse<T = Record<string, any>> {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; problems?: { path: string; message: string }[] } }[];
}

export class GraphqlClient {
  constructor(
    readonly url: string,
    readonly token?: string,
  ) {}

  withToken(token: string | undefined): GraphqlClient {
    return new GraphqlClient(this.url, token);
  }

  async request<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<T>> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphqlResponse<T>;
  }

  /** For calls expected to succeed: throws with the errors otherwise. */
  async query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const result = await this.request<T>(query, variables);
    if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data;
  }

  /** For calls expected to fail: returns the first error. */
  async error(query: string, variables?: Record<string, unknown>) {
    const result = await this.request(query, variables);
    if (!result.errors?.length) throw new Error(`expected a GraphQL error, got ${JSON.stringify(result.data)}`);
    return result.errors[0];
  }
}

export interface HttpResult {
  status: number;
  body: any;
}

export class IngestionClient {
  constructor(
    readonly url: string,
    readonly writeKey: string,
  ) {}

  track(message: Record<string, unknown>) {
    return this.post('/v1/track', message);
  }
  identify(message: Record<string, unknown>) {
    return this.post('/v1/identify', message);
  }
  page(message: Record<string, unknown>) {
    return this.post('/v1/page', message);
  }
  batch(batch: Record<string, unknown>[]) {
    return this.post('/v1/batch', { batch });
  }

  async post(path: string, body: unknown, headers: Record<string, string> = this.authHeaders()): Promise<HttpResult> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Non-JSON answers are returned as text for the assertion to show.
    }
    return { status: response.status, body: parsed };
  }

  authHeaders(): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${this.writeKey}:`).toString('base64')}` };
  }

  /** Sends a track call and fails the test unless it is accepted. */
  async send(message: Record<string, unknown>): Promise<void> {
    const result = await this.track(message);
    if (result.status !== 200) throw new Error(`track refused: ${result.status} ${JSON.stringify(result.body)}`);
  }
}
