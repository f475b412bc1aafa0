import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/itinera-cli';
import { startTestApp, TestApp } from '../harness/test-app';

const REPOSITORY = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.join(REPOSITORY, 'examples');
/** Scratch files stay inside the repository (ignored by git), removed after the run. */
const SCRATCH_ROOT = path.join(REPOSITORY, '.scratch');

interface CliRun {
  code: number;
  out: string[];
  err: string[];
  asked: string[];
}

/** Journeys as code: `npx itinera apply | export | validate` against a real server. */
describe('itinera CLI', () => {
  let itinera: TestApp;
  let scratch: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    mkdirSync(SCRATCH_ROOT, { recursive: true });
    scratch = mkdtempSync(path.join(SCRATCH_ROOT, 'cli-'));
  });
  afterAll(async () => {
    await itinera.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const cli = async (args: string[], options: { answer?: boolean; env?: NodeJS.ProcessEnv; token?: string } = {}): Promise<CliRun> => {
    const run: CliRun = { code: -1, out: [], err: [], asked: [] };
    run.code = await runCli([...args, '--url', itinera.url, '--token', options.token ?? itinera.workspace.adminToken], {
      env: options.env ?? {},
      out: (line) => run.out.push(line),
      err: (line) => run.err.push(line),
      ask:
        options.answer === undefined
          ? undefined
          : async (question) => {
              run.asked.push(question);
              return options.answer!;
            },
    });
    return run;
  };
  const file = (name: string, text: string) => {
    const full = path.join(scratch, name);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
    return full;
  };
  const counts = async () => {
    const data = await itinera.graphql.query(`{ journeys(first: 200) { totalCount nodes { name status updatedAt } } destinations { id } audiences { id } }`);
    return { journeys: data.journeys.totalCount, destinations: data.destinations.length, audiences: data.audiences.length, nodes: data.journeys.nodes };
  };

  it('applies the files of examples/ as they are, and a second apply changes nothing', async () => {
    const first = await cli(['apply', EXAMPLES, '--yes']);
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out).toContain('Applied.');
    const applied = await counts();
    expect(applied).toMatchObject({ journeys: 20, destinations: 12, audiences: 6 });

    const second = await cli(['apply', EXAMPLES], { answer: true });
    expect(second.out.filter((line) => !line.startsWith('= '))).toEqual(['No changes.']);
    expect(second.code).toBe(0);
    expect(second.asked).toEqual([]);
    expect(second.out.at(-1)).toBe('No changes.');
    expect(second.out.filter((line) => !line.startsWith('= '))).toEqual(['No changes.']);
    expect(await counts()).toEqual(applied);
  });

  it('shows the diff of a changed file and changes nothing until asked and answered yes', async () => {
    const journey = (hold: string) => `
name: Nudge after signup
description: Written as YAML, with a destination from the environment
trigger: { type: EVENT, event: { event: Signed_Up } }
steps:
  - { key: wait_for_profile, name: Wait for a profile, type: HOLD_UNTIL,
      hold: { maxDuration: ${hold}, timeoutNext: nudge, branches: [{ key: done, match: { event: Profile_Completed } }] } }
  - { key: nudge, name: Nudge, type: SEND, send: { destinationId: $Signup hooks, action: send, mapping: { data: { user: { "@path": "$.userId" } } } } }
`;
    const destinations = `destinations:\n  - { name: Signup hooks, plugin: webhook, settings: { url: "\${SIGNUP_HOOK_URL}", timeoutMs: 5000 } }\n`;
    file('signup/destinations.yaml', destinations);
    const journeyFile = file('signup/journey.yaml', journey('PT2H'));
    const env = { SIGNUP_HOOK_URL: 'https://hooks.example.com/signup' };
    expect((await cli(['apply', path.join(scratch, 'signup'), '--yes'], { env })).code).toBe(0);
    expect((await cli(['apply', path.join(scratch, 'signup')], { env, answer: true })).out.at(-1)).toBe('No changes.');

    writeFileSync(journeyFile, journey('PT30M'));
    const declined = await cli(['apply', path.join(scratch, 'signup')], { env, answer: false });
    expect(declined.code).toBe(1);
    expect(declined.out).toContain(`~ update journey "Nudge after signup"  (${journeyFile})`);
    expect(declined.out.filter((line) => /^ {4}[-+] /.test(line))).toEqual(['    -       maxDuration: PT2H', '    +       maxDuration: PT30M']);
    expect(declined.asked).toEqual(['Apply 1 change? [y/N] ']);
    expect(declined.out.at(-1)).toBe('Not applied.');
    const stored = async () =>
      (await itinera.graphql.query(`{ journeys(first: 200) { nodes { name steps { hold { maxDuration } } } } }`)).journeys.nodes.find(
        (j: { name: string }) => j.name === 'Nudge after signup',
      ).steps[0].hold.maxDuration;
    expect(await stored()).toBe('PT2H');

    const unattended = await cli(['apply', path.join(scratch, 'signup')], { env });
    expect(unattended.code).toBe(1);
    expect(unattended.err.join('\n')).toContain('Pass --yes');

    const accepted = await cli(['apply', path.join(scratch, 'signup')], { env, answer: true });
    expect(accepted.code).toBe(0);
    expect(await stored()).toBe('PT30M');

    // A changed setting of the destination shows as a diff too; its URL comes from the environment.
    const moved = await cli(['apply', path.join(scratch, 'signup'), '--dry-run'], { env: { SIGNUP_HOOK_URL: 'https://hooks.example.com/moved' } });
    expect(moved.out).toContain('    -   url: https://hooks.example.com/signup');
    expect(moved.out).toContain('    +   url: https://hooks.example.com/moved');
  });

  it('publishes a journey whose file says publish: true, once confirmed', async () => {
    const journeyFile = file(
      'published.json',
      JSON.stringify({
        name: 'Published from a file',
        publish: true,
        trigger: { type: 'EVENT', event: { event: 'Order_Placed' } },
        steps: [{ key: 'wait_a_day', name: 'Wait a day', type: 'WAIT', wait: { duration: 'P1D' } }],
      }),
    );
    const run = await cli(['apply', journeyFile], { answer: true });
    expect(run.code).toBe(0);
    expect(run.out[0]).toBe(`+ create and publish journey "Published from a file"  (${journeyFile})`);
    expect(run.asked).toEqual(['Apply 1 change (publishing 1 journey)? [y/N] ']);
    const { nodes } = await counts();
    expect(nodes.find((j: { name: string }) => j.name === 'Published from a file').status).toBe('PUBLISHED');

    // A description changes in place; a changed step makes a new version, published once confirmed.
    const spec = JSON.parse(readFileSync(journeyFile, 'utf8'));
    writeFileSync(journeyFile, JSON.stringify({ ...spec, description: 'now described' }));
    expect((await cli(['apply', journeyFile], { answer: true })).code).toBe(0);
    const published = async () =>
      (await itinera.graphql.query(`{ journeys(status: PUBLISHED, first: 200) { nodes { name description version draftVersion steps { wait { duration } } } } }`)).journeys.nodes.find(
        (j: { name: string }) => j.name === 'Published from a file',
      );
    expect(await published()).toEqual({ name: 'Published from a file', description: 'now described', version: 1, draftVersion: null, steps: [{ wait: { duration: 'P1D' } }] });

    writeFileSync(journeyFile, JSON.stringify({ ...spec, description: 'now described', steps: [{ ...spec.steps[0], wait: { duration: 'P2D' } }] }));
    const versioned = await cli(['apply', journeyFile], { answer: true });
    expect(versioned.code).toBe(0);
    expect(versioned.out[0]).toBe(
      `> version journey "Published from a file": publishes version 2; running instances finish on theirs  (${journeyFile})`,
    );
    expect(versioned.out).toContain('    -       duration: P1D');
    expect(versioned.asked).toEqual(['Apply 1 change (publishing 1 journey)? [y/N] ']);
    expect(await published()).toEqual({ name: 'Published from a file', description: 'now described', version: 2, draftVersion: null, steps: [{ wait: { duration: 'P2D' } }] });

    // A version the server refuses is discarded: the journey stays as it was.
    writeFileSync(journeyFile, JSON.stringify({ ...spec, steps: [{ ...spec.steps[0], next: 'nowhere' }] }));
    const refused = await cli(['apply', journeyFile], { answer: true });
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toContain('was refused');
    expect(await published()).toMatchObject({ version: 2, draftVersion: null, steps: [{ wait: { duration: 'P2D' } }] });
  });

  it('validate fails on broken files and lists every problem, changing nothing', async () => {
    const before = await counts();
    file('broken/journey.yaml', `
name: Broken journey
trigger: { type: EVENT, event: { event: Signed_Up } }
steps:
  - { key: first, name: First, type: WAIT, wait: { duration: PT1H }, next: nowhere }
  - { key: send, name: Send, type: SEND, send: { destinationId: $Missing destination, action: send, mapping: { data: {} } } }
`);
    file('broken/syntax.json', '{ "name": "Half a file", "steps": [ ');
    file('broken/env.yaml', 'destinations:\n  - { name: Hooks, plugin: webhook, settings: { url: "${UNSET_HOOK_URL}" } }\n');
    const run = await cli(['validate', path.join(scratch, 'broken')]);
    expect(run.code).toBe(1);
    const report = run.err.join('\n');
    expect(run.err[0]).toMatch(/^\d+ problems:$/);
    expect(report).toContain('environment variable UNSET_HOOK_URL is not set');
    expect(report).toMatch(/syntax\.json: syntax: /);
    expect(report).toMatch(/journey\.yaml: journey "Broken journey": no destination named "Missing destination"/);
    expect(await counts()).toEqual(before);

    // With the destination declared, the journey's own problems are listed, each with its path.
    file('broken/journey.yaml', `
name: Broken journey
trigger: { type: EVENT, event: { event: Signed_Up } }
steps:
  - { key: first, name: First, type: WAIT, wait: { duration: PT1H }, next: nowhere }
  - { key: orphan, name: Orphan, type: SEND, send: { destinationId: $Hooks, action: send, mapping: {} } }
`);
    const second = await cli(['validate', path.join(scratch, 'broken', 'journey.yaml'), path.join(scratch, 'broken', 'env.yaml')], { env: { UNSET_HOOK_URL: 'https://hooks.example.com/x' } });
    expect(second.code).toBe(1);
    expect(second.err.join('\n')).toMatch(/journey "Broken journey"\.steps\[0\]\.next: .*nowhere/);
    expect(second.err.join('\n')).toMatch(/journey "Broken journey"\.steps\[1\]/);

    expect((await cli(['validate', EXAMPLES])).out).toEqual(['ok: 20 journeys, 12 destinations, 6 audiences']);
  });

  it('exports the workspace to files that apply takes back with no changes', async () => {
    const folder = path.join(scratch, 'exported');
    const exported = await cli(['export', folder]);
    expect(exported.code).toBe(0);
    const files = readdirSync(folder);
    expect(files).toContain('workspace.yaml');
    expect(files).toContain('journey-application-abandonment-nudge.yaml');
    expect(readFileSync(path.join(folder, 'journey-application-abandonment-nudge.yaml'), 'utf8')).toContain('destinationId: $WEBHOOK');
    expect(readFileSync(path.join(folder, 'journey-published-from-a-file.yaml'), 'utf8')).toContain('publish: true');

    // Secrets are not exported: a required one is left as a variable to set.
    const workspaceFile = readFileSync(path.join(folder, 'workspace.yaml'), 'utf8');
    expect(workspaceFile).toContain('writeKey: ${ITINERA_SECRET_TRACKING_API_WRITEKEY}');
    expect(workspaceFile).not.toContain('example-write-key');
    const unset = await cli(['validate', folder]);
    expect(unset.err.join('\n')).toContain('environment variable ITINERA_SECRET_TRACKING_API_WRITEKEY is not set');

    const env = {
      ITINERA_SECRET_TRACKING_API_WRITEKEY: 'example-write-key',
      ITINERA_SECRET_SENDGRID_APIKEY: 'SG.example-key',
      ITINERA_SECRET_TWILIO_AUTHTOKEN: 'example-auth-token',
    };
    const again = await cli(['apply', folder], { answer: true, env });
    expect(again.err).toEqual([]);
    expect(again.out.at(-1)).toBe('No changes.');
    const validated = await cli(['validate', folder], { env });
    expect(validated.err).toEqual([]);
    expect(validated.code).toBe(0);
  });

  it('runs as `npx itinera` from the repository', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'itinera', 'validate', 'examples'], { cwd: REPOSITORY });
    expect(stdout.trim()).toBe('ok: 20 journeys, 12 destinations, 6 audiences');
  });
});
