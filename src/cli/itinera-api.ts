/** The admin API as the CLI uses it: GraphQL over HTTP with the token, errors thrown with their problems. */
export class ItineraApi {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async request<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url.replace(/\/+$/, '')}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new Error(`cannot reach ${this.url}: ${(error as Error).message}`);
    }
    const body = (await response.json().catch(() => null)) as { data?: T; errors?: ApiErrorShape[] } | null;
    if (!body) throw new Error(`${this.url} answered HTTP ${response.status} without JSON`);
    if (body.errors?.length) throw new ApiError(body.errors);
    return body.data as T;
  }
}

interface ApiErrorShape {
  message: string;
  extensions?: { code?: string; problems?: { path: string; message: string }[] };
}

export class ApiError extends Error {
  readonly problems: { path: string; message: string }[];
  constructor(errors: ApiErrorShape[]) {
    const problems = errors.flatMap((e) => e.extensions?.problems ?? []);
    super(problems.length ? problems.map((p) => `${p.path}: ${p.message}`).join('\n  ') : errors.map((e) => e.message).join('; '));
    this.problems = problems;
  }
}
