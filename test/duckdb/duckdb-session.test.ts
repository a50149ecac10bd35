import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbSession } from '../../src/duckdb';

describe('DuckDbSession', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sfetl-duckdb-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('applies its settings and never loads an extension on its own', async () => {
    const session = await DuckDbSession.open({
      tempDirectory: join(dir, 'spill'),
      memoryLimitMiB: 64,
      threads: 1,
      preserveInsertionOrder: false,
    });
    try {
      const read = async (name: string) =>
        String((await session.connection.runAndReadAll(`SELECT current_setting('${name}')`)).getRows()[0]![0]);
      expect(await read('threads')).toBe('1');
      expect(await read('memory_limit')).toMatch(/^6[0-9](\.[0-9]+)? MiB$/);
      expect(await read('preserve_insertion_order')).toBe('false');
      expect(await read('temp_directory')).toBe(join(dir, 'spill'));
      expect(await read('autoinstall_known_extensions')).toBe('false');
      expect(await read('autoload_known_extensions')).toBe('false');
    } finally {
      session.close();
    }
  });

  test('a failed set-up stops DuckDB and throws the set-up error', async () => {
    await expect(
      DuckDbSession.open({ tempDirectory: dir }, async (connection) => {
        await connection.run('CREATE TABLE t (a INT)');
        await connection.run('SELECT * FROM no_such_table');
      }),
    ).rejects.toThrow(/no_such_table/);
  });

  test('close() can be called twice; the connection is unusable after it', async () => {
    const session = await DuckDbSession.open({ tempDirectory: dir }, (connection) =>
      connection.run('CREATE TABLE t AS SELECT 1 AS a').then(() => undefined),
    );
    expect((await session.connection.runAndReadAll('SELECT a FROM t')).getRows()).toEqual([[1]]);
    session.close();
    session.close();
    await expect(session.connection.run('SELECT 1')).rejects.toThrow();
  });
});
