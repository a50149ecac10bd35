import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config';

const DOC = join(__dirname, '..', '..', 'docs', 'configuration.md');

test('the example in docs/configuration.md is a valid configuration', () => {
  const example = /```yaml\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))?.[1];
  expect(example).toBeDefined();
  const config = parseConfig(parseYaml(example!), 'docs/configuration.md', { env: {} });
  expect(config.objects.map((o) => o.name)).toEqual(['Account', 'Contact', 'Lead']);
  expect(
    Object.values(config.environments)
      .filter((e) => e.protected)
      .map((e) => e.name),
  ).toEqual(['uat', 'prod']);
});
