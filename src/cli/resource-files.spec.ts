import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseResourceText, resourceFilesAt, substituteEnvironment } from './resource-files';
import { lineDiff } from './text-diff';

describe('journeys as code: reading files', () => {
  it('reads the JSON and YAML files under a folder, less what its .itineraignore lists', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'itinera-files-'));
    mkdirSync(path.join(folder, 'grafana'));
    mkdirSync(path.join(folder, 'audiences'));
    for (const file of ['b.yaml', 'a.json', 'notes.md', 'grafana/dashboard.json', 'audiences/c.yml', 'skip.json']) writeFileSync(path.join(folder, file), '{}');
    writeFileSync(path.join(folder, '.itineraignore'), '# not ours\ngrafana/\nskip.json\n');
    expect(resourceFilesAt(folder).map((file) => path.relative(folder, file))).toEqual(['a.json', path.join('audiences', 'c.yml'), 'b.yaml']);
  });

  it('replaces ${NAME} from the environment and ${NAME:-default} with its default when unset', () => {
    const problems: string[] = [];
    const text = substituteEnvironment('url: ${HOOK_URL}, method: ${METHOD:-POST}, key: ${MISSING}, ref: $WEBHOOK', { HOOK_URL: 'https://hooks.example.com' }, (p) => problems.push(p));
    expect(text).toBe('url: https://hooks.example.com, method: POST, key: , ref: $WEBHOOK');
    expect(problems).toEqual(['environment variable MISSING is not set (write ${MISSING:-default} to give a default)']);
  });

  it('reads a bare journey, { kind } documents, lists, and an audience beside its journey', () => {
    const yaml = `
kind: Destination
name: Hooks
plugin: webhook
settings: { url: https://hooks.example.com }
---
destinations: []
audiences: [{ name: Buyers, condition: { performed: [{ event: Order Completed, atLeast: 1 }] } }]
journeys: [{ name: Listed, publish: true, trigger: { type: EVENT, event: { event: A } }, steps: [] }]
---
audience: { name: Cart abandoners, condition: { performed: [{ event: Product Added, atLeast: 1 }] } }
journey: { name: On the audience, trigger: { type: AUDIENCE, audienceId: $AUDIENCE }, steps: [] }
`;
    const { resources, problems } = parseResourceText(yaml, 'file.yaml', {});
    expect(problems).toEqual([]);
    expect(resources.map((r) => `${r.kind}:${r.name}`)).toEqual(['destination:Hooks', 'audience:Buyers', 'journey:Listed', 'audience:Cart abandoners', 'journey:On the audience']);
    expect(resources[2]).toMatchObject({ publish: true, spec: { name: 'Listed' } });
    expect(resources[2].spec).not.toHaveProperty('publish');
    expect(resources[4].spec).toMatchObject({ trigger: { audienceId: '$Cart abandoners' } });
  });

  it('reports syntax errors and resources it cannot tell, with their place', () => {
    expect(parseResourceText('{ "name": "x", ', 'a.json', {}).problems[0]).toMatchObject({ file: 'a.json', message: expect.stringMatching(/^syntax: /) });
    expect(parseResourceText('kind: Widget\nname: w', 'b.yaml', {}).problems).toEqual([{ file: 'b.yaml', path: 'kind', message: 'unknown kind "Widget": Journey, Destination or Audience' }]);
    expect(parseResourceText('steps: []', 'c.yaml', {}).problems).toEqual([{ file: 'c.yaml', path: 'name', message: 'a name is required: resources are matched by name' }]);
  });

  it('shows a change as removed and added lines with context around it', () => {
    expect(lineDiff('a\nb\nc\nd\ne\nf\ng', 'a\nb\nc\nD\ne\nf\ng', 1)).toEqual(['  ...', '  c', '- d', '+ D', '  e', '  ...']);
  });
});
