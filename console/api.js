// The console's only ways to the server: the public GraphQL API over HTTP and graphql-ws.
import { createClient } from 'graphql-ws';

const TOKEN_KEY = 'itinera.token'; // shared with the API explorer: the token is entered once

export const session = {
  token: () => localStorage.getItem(TOKEN_KEY),
  signIn: (token) => localStorage.setItem(TOKEN_KEY, token),
  signOut: () => {
    localStorage.removeItem(TOKEN_KEY);
    resetSocket();
  },
};

export class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.code = errors[0]?.extensions?.code;
    this.problems = errors.flatMap((e) => e.extensions?.problems ?? []);
  }
}

export async function gql(query, variables = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token()}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new ApiError(body.errors);
  return body.data;
}

let client = null;

function socket() {
  client ??= createClient({
    url: `${location.origin.replace(/^http/, 'ws')}/graphql`,
    connectionParams: () => ({ authorization: `Bearer ${session.token()}` }),
    // Reconnecting is followActivity's job: it resubscribes from the last record it received.
    retryAttempts: 0,
  });
  return client;
}

function resetSocket() {
  const old = client;
  client = null;
  void old?.dispose();
}

const ACTIVITY_SUBSCRIPTION = `
  subscription ($journeyId: ID, $userId: String, $types: [ActivityType!], $after: ID) {
    activity(journeyId: $journeyId, userId: $userId, types: $types, after: $after) {
      id at type journeyId instanceId userId stepKey detail
    }
  }`;

const REFUSED = new Set([4401, 4403]);
const RECONNECT_MS = 1000;

/**
 * Follows Subscription.activity. When the connection drops it resubscribes with `after` set to the
 * last record received, so a reconnecting page misses nothing and sees nothing twice.
 * `onStatus` hears 'live', 'reconnecting', 'refused' (with the server's close reason) and 'failed'.
 */
export function followActivity(filter, onRecord, { after = null, onStatus = () => {} } = {}) {
  let lastId = after;
  let stopped = false;
  let retry = null;
  let unsubscribe = () => {};
  const start = () => {
    onStatus('live');
    unsubscribe = socket().subscribe(
      { query: ACTIVITY_SUBSCRIPTION, variables: { ...filter, after: lastId } },
      {
        next: ({ data }) => {
          if (!data) return;
          lastId = data.activity.id;
          onRecord(data.activity);
        },
        error: (error) => {
          if (REFUSED.has(error?.code)) return onStatus('refused', error.reason);
          if (Array.isArray(error)) return onStatus('failed', error.map((e) => e.message).join('; '));
          if (typeof error?.code === 'number') resetSocket();
          again();
        },
        complete: again,
      },
    );
  };
  function again() {
    if (stopped) return;
    onStatus('reconnecting');
    retry = setTimeout(start, RECONNECT_MS);
  }
  start();
  return () => {
    stopped = true;
    clearTimeout(retry);
    unsubscribe();
  };
}
