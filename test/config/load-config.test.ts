import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../src/config';

const FIXTURES = join(__dirname, '..', 'fixtures', 'config');
const fixture = (name: string) => join(FIXTURES, name);
const text = (name: string) => readFileSync(fixture(name), 'utf8');
const NO_ENV = { env: {} };

/** The configuration minimal.yaml describes, parsed directly. */
const MINIMAL = parseConfig(parseYaml(text('minimal.yaml')), 'minimal.yaml', NO_ENV);

/** An S3 reader over an in-memory bucket; unknown keys fail as S3 does. */
function fakeS3(objects: Record<string, string>) {
  return async (bucket: string, key: string): Promise<string> => {
    const body = objects[`${bucket}/${key}`];
    if (body === undefined) {
      const err = new Error('The specified key does not exist.');
      err.name = 'NoSuchKey';
      throw err;
    }
    return body;
  };
}

async function loadError(location: string, deps = {}): Promise<ConfigError> {
  try {
    await loadConfig(location, { ...NO_ENV, ...deps });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected ${location} to be rejected`);
}

describe('a local file', () => {
  test('.yaml is read as YAML', async () => {
    await expect(loadConfig(fixture('minimal.yaml'), NO_ENV)).resolves.toEqual(MINIMAL);
  });

  test('.json is read as JSON', async () => {
    await expect(loadConfig(fixture('minimal.json'), NO_ENV)).resolves.toEqual(MINIMAL);
  });

  test('mistakes in the file are reported with the path as source', async () => {
    const err = await loadError(fixture('many-mistakes.yaml'));
    expect(err.source).toBe(fixture('many-mistakes.yaml'));
    expect(err.problems).toHaveLength(24);
    expect(err.message.split('\n')[0]).toBe(
      `${fixture('many-mistakes.yaml')}: environments.dev.instanceURL: unknown key "instanceURL"; did you mean "instanceUrl"? (keys here: instanceUrl, orgId, loginUrl, apiVersion, auth, protected)`,
    );
  });

  test('columnMapping keys named like members of every JavaScript object are columns like any other', async () => {
    const config = await loadConfig(fixture('prototype-keys.yaml'), NO_ENV);
    const mapping = config.objects[0]!.columnMapping;
    expect(Object.entries(mapping)).toEqual([
      ['constructor', 'LastName'],
      ['__proto__', 'Email'],
      ['toString', 'Title'],
      ['hasOwnProperty', 'Phone'],
    ]);
    expect(Object.getPrototypeOf(mapping)).toBe(Object.prototype);
  });

  test('a file that does not exist', async () => {
    const path = fixture('no-such-config.yaml');
    const err = await loadError(path);
    expect(err.problems).toEqual([{ path: '', message: 'file not found; check the path given to --config' }]);
    expect(err.message).toBe(`${path}: file not found; check the path given to --config`);
  });

  test('a directory', async () => {
    expect((await loadError(FIXTURES)).message).toBe(
      `${FIXTURES}: is a directory; give the path of the configuration file`,
    );
  });

  test('broken YAML: the line and column, and what to fix, without the parser’s code excerpt', async () => {
    const path = fixture('broken.yaml');
    expect((await loadError(path)).message).toBe(
      `${path}: not valid YAML: at line 3, column 1, the indentation does not line up, or a [ or { is not closed; indent with spaces and close every bracket`,
    );
  });

  test('a YAML key given twice', async () => {
    const path = fixture('duplicate-key.yaml');
    expect((await loadError(path)).message).toBe(
      `${path}: not valid YAML: at line 3, column 3, a key is given twice in the same mapping; keep one`,
    );
  });

  test('several YAML documents in one file', async () => {
    const path = fixture('two-documents.yaml');
    expect((await loadError(path)).message).toBe(`${path}: holds several YAML documents (separated by ---); keep one`);
  });

  test('broken JSON: the line and column, and what is expected there', async () => {
    const path = fixture('broken.json');
    expect((await loadError(path)).message).toBe(
      `${path}: not valid JSON: at line 4, column 25, ',' or '}' is expected after the value`,
    );
  });

  test('a syntax error never repeats the text around it (it may be a pasted secret)', async () => {
    const json = fixture('broken-secret.json');
    const jsonError = (await loadError(json)).message;
    expect(jsonError).toBe(
      `${json}: not valid JSON: at line 3, column 71, a value is expected here: a string in double quotes, a number, true, false, null, an object or a list`,
    );
    // V8's own message would have been: Unexpected token 'p', "...": paste-d-S3cret-9f1c }..." is not valid JSON
    const yaml = fixture('broken-secret.yaml');
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const yamlError = (await loadError(yaml)).message;
      expect(yamlError).toBe(
        `${yaml}: not valid YAML: an alias (*name) refers to no anchor (&name) set before it; set the anchor first, or write the value out`,
      );
      for (const message of [jsonError, yamlError]) expect(message).not.toMatch(/S3cret/);
      // The parser's warning about the unknown tag would print the line it is on.
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test('an empty JSON file is an empty configuration, not a syntax error', async () => {
    const readS3Object = fakeS3({ 'cfg-bucket/config.json': ' \n' });
    expect((await loadError('s3://cfg-bucket/config.json', { readS3Object })).message).toBe(
      's3://cfg-bucket/config.json: the file is empty; see docs/configuration.md for a complete example',
    );
  });

  test('a file with only a comment', async () => {
    const path = fixture('empty.yaml');
    expect((await loadError(path)).message).toBe(
      `${path}: the file is empty; see docs/configuration.md for a complete example`,
    );
  });
});

describe('an s3:// location', () => {
  test('is read through the injected reader, by bucket and key', async () => {
    const readS3Object = fakeS3({ 'cfg-bucket/sfetl/config.yaml': text('minimal.yaml') });
    await expect(loadConfig('s3://cfg-bucket/sfetl/config.yaml', { ...NO_ENV, readS3Object })).resolves.toEqual(
      MINIMAL,
    );
  });

  test('a key without .json/.yaml/.yml is tried as JSON, then as YAML', async () => {
    const readS3Object = fakeS3({
      'cfg-bucket/as-json': text('minimal.json'),
      'cfg-bucket/as-yaml': text('minimal.yaml'),
    });
    await expect(loadConfig('s3://cfg-bucket/as-json', { ...NO_ENV, readS3Object })).resolves.toEqual(MINIMAL);
    await expect(loadConfig('s3://cfg-bucket/as-yaml', { ...NO_ENV, readS3Object })).resolves.toEqual(MINIMAL);
  });

  test('a key without extension that is neither JSON nor YAML names both parsers’ complaints', async () => {
    const readS3Object = fakeS3({ 'cfg-bucket/config': '{ "logs": [ \n' });
    const err = await loadError('s3://cfg-bucket/config', { readS3Object });
    expect(err.message).toMatch(
      /^s3:\/\/cfg-bucket\/config: neither valid JSON \(at line 2, column 1, .+\) nor valid YAML \(at line \d+, column \d+, .+\); fix the syntax, and name the file \.json, \.yaml or \.yml$/,
    );
  });

  test('a byte order mark at the start is ignored', async () => {
    const readS3Object = fakeS3({ 'cfg-bucket/config.json': `\uFEFF${text('minimal.json')}` });
    await expect(loadConfig('s3://cfg-bucket/config.json', { ...NO_ENV, readS3Object })).resolves.toEqual(MINIMAL);
  });

  test('an object the reader cannot get: the S3 error and what to check', async () => {
    const err = await loadError('s3://cfg-bucket/missing.yaml', { readS3Object: fakeS3({}) });
    expect(err.source).toBe('s3://cfg-bucket/missing.yaml');
    expect(err.message).toBe(
      's3://cfg-bucket/missing.yaml: cannot read the object (NoSuchKey: The specified key does not exist.); check the bucket and key, and that this role may s3:GetObject it',
    );
  });

  test('a URI without a key', async () => {
    expect((await loadError('s3://cfg-bucket/', { readS3Object: fakeS3({}) })).message).toBe(
      's3://cfg-bucket/: names no object; give the key of the configuration file, e.g. s3://my-bucket/sfetl/config.yaml',
    );
  });

  test('no reader given', async () => {
    expect((await loadError('s3://cfg-bucket/config.yaml')).message).toBe(
      's3://cfg-bucket/config.yaml: cannot read a configuration from S3 here: no S3 reader was given; pass a local path to --config',
    );
  });

  test('mistakes in the object are reported with the URI as source', async () => {
    const readS3Object = fakeS3({ 'cfg-bucket/config.yaml': 'logs: { bucket: my-log-bucket }\n' });
    const err = await loadError('s3://cfg-bucket/config.yaml', { readS3Object });
    expect(err.message.split('\n')).toEqual([
      's3://cfg-bucket/config.yaml: environments: missing; add environments: { dev: {…}, qa: {…}, uat: {…}, prod: {…} }',
      's3://cfg-bucket/config.yaml: objects: missing; add objects: [{ name: Account, source: s3://my-bucket/accounts/, operation: insert }]',
    ]);
  });
});
