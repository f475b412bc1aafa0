/**
 * `npm run create-plugin <name> [-- --dir <folder>]`: scaffolds a destination plugin folder (`plugins/<name>`
 * unless `--dir` names another parent): a definition written against `@itinera/plugin-kit`, a test that
 * runs it through the kit's delivery pipeline against a local HTTP server, and a README stub. The
 * generated test passes as generated; change all three from there.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KIT_VERSION } from '@itinera/plugin-kit';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface CreatedPlugin {
  folder: string;
  files: string[];
}

/** Writes the plugin folder `<parent>/<name>`; refuses a bad name or a folder that already exists. */
export function createPlugin(name: string, parent: string): CreatedPlugin {
  if (!NAME.test(name)) throw new Error(`plugin name ${JSON.stringify(name)} must be lower-case words joined by hyphens, e.g. my-crm`);
  const folder = path.resolve(parent, name);
  if (existsSync(folder)) throw new Error(`${folder} already exists; choose another name or remove it`);
  mkdirSync(folder, { recursive: true });
  const files = {
    'index.ts': definition(name),
    [`${name}.spec.ts`]: spec(name),
    'README.md': readme(name),
  };
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(folder, file), text);
  return { folder, files: Object.keys(files).map((file) => path.join(folder, file)) };
}

const major = () => KIT_VERSION.split('.')[0];
const title = (name: string) => name.split('-').map((word) => word[0].toUpperCase() + word.slice(1)).join(' ');

function definition(name: string): string {
  return `import { actionFor, defineDestination, defineSettings } from '@itinera/plugin-kit';

/** What a destination of this plugin is configured with; \`perform\` gets them typed from here. */
const settings = defineSettings({
  url: { type: 'string', format: 'uri', required: true, label: 'API URL', description: 'e.g. https://api.example.com.' },
  apiKey: { type: 'string', required: true, secret: true, label: 'API key', description: 'Sent as a bearer token.' },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
});

const action = actionFor(settings);

const send = action({
  title: 'Send event',
  description: 'Sends one event for the user.',
  fields: {
    userId: { type: 'string', required: true, description: 'Whose event it is.', default: { '@path': '$.userId' } },
    event: { type: 'string', required: true, description: 'The event name.', default: { '@path': '$.entry.event' } },
    properties: { type: 'object', description: 'Event properties.', default: { '@path': '$.entry.properties' } },
  },
  async perform({ payload, settings, idempotencyKey, request }) {
    const response = await request(\`\${settings.url.replace(/\\/+$/, '')}/events\`, {
      method: 'POST',
      headers: { Authorization: \`Bearer \${settings.apiKey}\`, 'Idempotency-Key': idempotencyKey },
      json: payload,
      timeoutMs: settings.timeoutMs,
    });
    return { status: response.status, response: response.body };
  },
});

export default defineDestination({
  name: '${name}',
  kitVersion: '^${major()}.0.0',
  displayName: '${title(name)}',
  description: 'Describe what this destination does.',
  settings,
  actions: { send },
});
`;
}

function spec(name: string): string {
  return `import { allowLoopbackDestinations, runDelivery, startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import destination from './index';

describe('${name}', () => {
  let server: RecordingServer;
  beforeAll(allowLoopbackDestinations);
  beforeEach(async () => {
    server = await startRecordingServer();
  });
  afterEach(() => server.close());

  const settings = () => ({ url: server.url, apiKey: 'test_api_key_1234' });

  it('sends the entry event as a delivery would, and reports it delivered', async () => {
    const outcome = await runDelivery(destination, 'send', { settings: settings() });
    expect(outcome).toMatchObject({ result: 'delivered', status: 200 });
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/events',
      headers: expect.objectContaining({ authorization: 'Bearer test_api_key_1234' }),
      json: { userId: '88', event: 'Application_Started', properties: expect.objectContaining({ Application_id: '1234' }) },
    });
  });

  it('is retried when the API is busy, and fails for good when it refuses the request', async () => {
    server.replyWith({ status: 503, headers: { 'retry-after': '30' } });
    expect(await runDelivery(destination, 'send', { settings: settings() })).toMatchObject({ result: 'retryable', retryAfterMs: 30_000 });
    server.replyWith({ status: 400, body: { error: 'bad event' } });
    expect(await runDelivery(destination, 'send', { settings: settings() })).toMatchObject({ result: 'permanent', status: 400 });
  });
});
`;
}

function readme(name: string): string {
  return `# ${title(name)} (\`${name}\`)

Describe the service this destination sends to, and what each action does there.

## Settings

- \`url\` (required): the API's base URL.
- \`apiKey\` (required, secret): sent as a bearer token.
- \`timeoutMs\` (10000 by default).

## Actions

### \`send\`

Fields: \`userId\` (the journey's user unless mapped), \`event\` (the entry event unless mapped),
\`properties\` (the entry event's properties unless mapped).

## Testing

\`npx jest ${name}\` runs \`${name}.spec.ts\`, which sends through the kit's delivery pipeline
(\`runDelivery\` from \`@itinera/plugin-kit/testing\`) to a local HTTP server.
`;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const dirAt = args.indexOf('--dir');
  const parent = dirAt >= 0 ? args[dirAt + 1] : path.resolve(__dirname, '..', 'plugins');
  const name = args.find((_, index) => dirAt < 0 || (index !== dirAt && index !== dirAt + 1));
  if (!name || !parent) {
    console.error('usage: npm run create-plugin <name> [-- --dir <folder that holds plugin folders>]');
    process.exit(2);
  }
  try {
    const created = createPlugin(name, parent);
    console.log(`created ${path.relative(process.cwd(), created.folder) || created.folder}:`);
    for (const file of created.files) console.log(`  ${path.basename(file)}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
