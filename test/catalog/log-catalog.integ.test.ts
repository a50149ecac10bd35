import {
  ConcurrentModificationException,
  CreateTableCommand,
  GetDatabaseCommand,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { createAwsClients } from '../../src/aws';
import { CatalogError, LogCatalog, LogPartition, logLocation } from '../../src/catalog';
import { useLocalParts } from '../support/local-parts';

const parts = useLocalParts({ emulator: false });
const BUCKET = 'sfetl-logs';
const PREFIX = 'logs/';
const SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
const INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
const SUCCESS_COLUMNS = ['FirstName', 'LastName', 'Email', 'sf__Id', 'sf__Created', 'sf__JobId'];

let glue: GlueClient;
let dbSeq = 0;

/**
 * Counts BatchCreatePartition calls and holds moto to Glue's limit of 100 partitions a call, which moto
 * does not enforce (real Glue answers a ValidationException).
 */
function batchCreateCalls(client: GlueClient): { calls: number; sizes: number[] } {
  const seen = { calls: 0, sizes: [] as number[] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchCreatePartitionCommand') {
        const size = (args.input as { PartitionInputList: unknown[] }).PartitionInputList.length;
        if (size > 100) throw new Error(`BatchCreatePartition with ${size} partitions; Glue takes at most 100`);
        seen.calls++;
        seen.sizes.push(size);
      }
      return next(args);
    },
    { step: 'initialize', name: `count-batch-create-${Math.random()}` },
  );
  return seen;
}

/** A fresh database per test. */
async function newCatalog(): Promise<{ catalog: LogCatalog; database: string }> {
  const database = `sfetl_logs_${++dbSeq}`;
  const catalog = new LogCatalog({ glue, database, bucket: BUCKET, prefix: PREFIX });
  await catalog.ensureDatabase();
  return { catalog, database };
}

async function getTable(database: string, name: string) {
  return (await glue.send(new GetTableCommand({ DatabaseName: database, Name: name }))).Table!;
}

function partitionsOf(object: string, count: number): LogPartition[] {
  return Array.from({ length: count }, (_, i) => {
    const dir = {
      status: i % 2 === 0 ? ('success' as const) : ('failure' as const),
      runId: `jr_${String(i).padStart(4, '0')}`,
      env: ['dev', 'qa', 'uat', 'prod'][i % 4],
      createdTime: `2026110307${String(Math.floor(i / 60) % 60).padStart(2, '0')}${String(i % 60).padStart(2, '0')}`,
    };
    return { ...dir, location: logLocation({ bucket: BUCKET, prefix: PREFIX, object, ...dir }) };
  });
}

beforeAll(() => {
  const { endpoint, region } = parts().aws;
  glue = createAwsClients({ region, endpoint, env: {} }).glue;
});

describe('LogCatalog', () => {
  test('ensureDatabase creates the database once and is harmless after', async () => {
    const { catalog, database } = await newCatalog();
    await catalog.ensureDatabase();
    const db = await glue.send(new GetDatabaseCommand({ Name: database }));
    expect(db.Database?.Name).toBe(database);
  });

  test('ensureTable creates a Parquet table: lowercase name, string columns in order, the four partition keys', async () => {
    const { catalog, database } = await newCatalog();

    const result = await catalog.ensureTable('Contact', SUCCESS_COLUMNS);

    expect(result).toEqual({ table: 'contact', created: true, addedColumns: [], omittedColumns: [] });
    const table = await getTable(database, 'contact');
    expect(table.TableType).toBe('EXTERNAL_TABLE');
    expect(table.Parameters).toEqual({ classification: 'parquet', EXTERNAL: 'TRUE' });
    expect(table.PartitionKeys).toEqual([
      { Name: 'status', Type: 'string' },
      { Name: 'run_id', Type: 'string' },
      { Name: 'env', Type: 'string' },
      { Name: 'created_time', Type: 'string' },
    ]);
    expect(table.StorageDescriptor).toMatchObject({
      Location: `s3://${BUCKET}/${PREFIX}`,
      InputFormat: INPUT_FORMAT,
      OutputFormat: OUTPUT_FORMAT,
      SerdeInfo: { SerializationLibrary: SERDE },
    });
    expect(table.StorageDescriptor?.Columns).toEqual(
      ['firstname', 'lastname', 'email', 'sf__id', 'sf__created', 'sf__jobid'].map((Name) => ({
        Name,
        Type: 'string',
      })),
    );
  });

  test('a later ensureTable appends the new columns, keeping the old ones and their order', async () => {
    const { catalog, database } = await newCatalog();
    await catalog.ensureTable('Contact', SUCCESS_COLUMNS);

    // A failure log of a later file: a new column (Phone), a new sf__ column, and names in another case.
    const result = await catalog.ensureTable('Contact', [
      'lastname',
      'Phone',
      'EMAIL',
      'sf__Id',
      'sf__Error',
      'sf__JobId',
    ]);

    expect(result).toEqual({
      table: 'contact',
      created: false,
      addedColumns: ['phone', 'sf__error'],
      omittedColumns: [],
    });
    const names = (await getTable(database, 'contact')).StorageDescriptor?.Columns?.map((c) => c.Name);
    expect(names).toEqual([
      'firstname',
      'lastname',
      'email',
      'sf__id',
      'sf__created',
      'sf__jobid',
      'phone',
      'sf__error',
    ]);
    const again = await catalog.ensureTable('Contact', ['Phone', 'sf__Error']);
    expect(again.addedColumns).toEqual([]);
  });

  test('a column named like a partition key is left out of the table and reported', async () => {
    const { catalog, database } = await newCatalog();
    const result = await catalog.ensureTable('Lead', ['LastName', 'Company', 'Status', 'sf__Id']);
    expect(result.omittedColumns).toEqual(['status']);
    const names = (await getTable(database, 'lead')).StorageDescriptor?.Columns?.map((c) => c.Name);
    expect(names).toEqual(['lastname', 'company', 'sf__id']);
  });

  test('refuses to alter a same-named table that is not a log table', async () => {
    const { catalog, database } = await newCatalog();
    await glue.send(
      new CreateTableCommand({
        DatabaseName: database,
        TableInput: {
          Name: 'account',
          PartitionKeys: [{ Name: 'dt', Type: 'string' }],
          StorageDescriptor: { Columns: [] },
        },
      }),
    );
    const error = await catalog.ensureTable('Account', ['Name']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect(error).toMatchObject({ database, table: 'account' });
    expect((error as Error).message).toMatch(/it is not a log table/);
  });

  test('columns another run adds at the same time are kept (optimistic lock on the table version)', async () => {
    const { catalog, database } = await newCatalog();
    await catalog.ensureTable('Contact', SUCCESS_COLUMNS);
    const other = new LogCatalog({ glue, database, bucket: BUCKET, prefix: PREFIX });
    // moto ignores UpdateTable's VersionId; Glue refuses a stale one with ConcurrentModificationException.
    // Stand in for Glue: on our first update, let the other run add its column, then refuse ours.
    let raced = false;
    glue.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateTableCommand' && !raced) {
          raced = true;
          await other.ensureTable('Contact', ['MobilePhone']);
          throw new ConcurrentModificationException({ message: 'table changed', $metadata: {} });
        }
        return next(args);
      },
      { step: 'initialize', name: 'race-update-table' },
    );
    try {
      const result = await catalog.ensureTable('Contact', ['Phone']);
      expect(result.addedColumns).toEqual(['phone']);
    } finally {
      glue.middlewareStack.remove('race-update-table');
    }
    const names = (await getTable(database, 'contact')).StorageDescriptor?.Columns?.map((c) => c.Name);
    expect(names?.slice(-2)).toEqual(['mobilephone', 'phone']);
  });

  test('ensureTable without the database is a CatalogError that says to create it', async () => {
    const catalog = new LogCatalog({ glue, database: 'never_created', bucket: BUCKET, prefix: PREFIX });
    const error = await catalog.ensureTable('Contact', SUCCESS_COLUMNS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as Error).message).toMatch(
      /Could not create Glue table never_created\.contact .*check that the database exists/,
    );
  });

  test('250 partitions go in 3 calls, list back with their exact locations, and a rerun changes nothing', async () => {
    const { catalog, database } = await newCatalog();
    await catalog.ensureTable('Invoice__c', ['Name', 'Amount__c', 'sf__Id', 'sf__Created', 'sf__JobId']);
    const partitions = partitionsOf('Invoice__c', 250);
    const calls = batchCreateCalls(glue);

    expect(await catalog.registerPartitions('Invoice__c', partitions)).toEqual({ created: 250, alreadyRegistered: 0 });
    expect(calls.sizes).toEqual([100, 100, 50]);

    const listed = await catalog.listPartitions('Invoice__c');
    const byValues = (p: LogPartition) => [p.status, p.runId, p.env, p.createdTime].join('|');
    expect(listed.map((p) => [byValues(p), p.location]).sort()).toEqual(
      partitions.map((p) => [byValues(p), p.location]).sort(),
    );
    expect(listed[0].location).toMatch(
      /^s3:\/\/sfetl-logs\/logs\/(success|failure)\/Invoice__c\/run_id=jr_\d{4}\/env=(dev|qa|uat|prod)\/created_time=\d{14}\/$/,
    );

    // Each partition carries the Parquet SerDe and the table's columns, not just a location.
    const one = await glue.send(
      new GetPartitionCommand({
        DatabaseName: database,
        TableName: 'invoice__c',
        PartitionValues: ['failure', 'jr_0001', 'qa', partitions[1].createdTime],
      }),
    );
    expect(one.Partition?.StorageDescriptor).toMatchObject({
      Location: partitions[1].location,
      InputFormat: INPUT_FORMAT,
      OutputFormat: OUTPUT_FORMAT,
      SerdeInfo: { SerializationLibrary: SERDE },
      Columns: ['name', 'amount__c', 'sf__id', 'sf__created', 'sf__jobid'].map((Name) => ({ Name, Type: 'string' })),
    });

    // The rerun: same partitions again, no error, nothing new.
    expect(await catalog.registerPartitions('Invoice__c', partitions)).toEqual({ created: 0, alreadyRegistered: 250 });
    expect(await catalog.listPartitions('Invoice__c')).toHaveLength(250);
    expect(calls.sizes).toEqual([100, 100, 50, 100, 100, 50]);
  });

  test('a rerun that adds to registered partitions registers only the new ones', async () => {
    const { catalog } = await newCatalog();
    await catalog.ensureTable('Contact', SUCCESS_COLUMNS);
    const partitions = partitionsOf('Contact', 3);
    await catalog.registerPartitions('Contact', partitions.slice(0, 2));
    expect(await catalog.registerPartitions('Contact', partitions)).toEqual({ created: 1, alreadyRegistered: 2 });
  });

  test('a location without the trailing "/" is registered with it', async () => {
    const { catalog } = await newCatalog();
    await catalog.ensureTable('Contact', SUCCESS_COLUMNS);
    const [partition] = partitionsOf('Contact', 1);
    await catalog.registerPartitions('Contact', [{ ...partition, location: partition.location.replace(/\/$/, '') }]);
    expect((await catalog.listPartitions('Contact'))[0].location).toBe(partition.location);
  });

  test('registering before the table exists is a CatalogError naming the table and the partitions', async () => {
    const { catalog, database } = await newCatalog();
    const partitions = partitionsOf('Case', 2);
    const error = await catalog.registerPartitions('Case', partitions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect(error).toMatchObject({
      database,
      table: 'case',
      partitionValues: partitions.map((p) => [p.status, p.runId, p.env, p.createdTime]),
    });
    expect((error as Error).message).toMatch(/does not exist; ensureTable\(\) must run before/);
  });

  test('a partition Glue rejects for another reason than "exists" is a CatalogError naming it', async () => {
    const { catalog } = await newCatalog();
    await catalog.ensureTable('Contact', SUCCESS_COLUMNS);
    const partitions = partitionsOf('Contact', 2);
    // moto only ever answers AlreadyExistsException per entry; this stands in for what Glue may answer
    // (e.g. a quota or an invalid value) so the handling of such an answer is exercised over HTTP.
    const rejected = partitions[1];
    const rejectedValues = [rejected.status, rejected.runId, rejected.env, rejected.createdTime];
    glue.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'BatchCreatePartitionCommand') {
          (out.output as { Errors?: unknown[] }).Errors = [
            {
              PartitionValues: rejectedValues,
              ErrorDetail: { ErrorCode: 'ResourceNumberLimitExceededException', ErrorMessage: 'too many partitions' },
            },
          ];
        }
        return out;
      },
      { step: 'initialize', name: 'inject-partition-error' },
    );
    try {
      const error = await catalog.registerPartitions('Contact', partitions).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CatalogError);
      expect(error).toMatchObject({ table: 'contact', partitionValues: [rejectedValues] });
      expect((error as Error).message).toContain(
        `${rejectedValues.join('/')}: ResourceNumberLimitExceededException too many partitions`,
      );
    } finally {
      glue.middlewareStack.remove('inject-partition-error');
    }
  });

  test('a location that is not an s3:// URI is refused before anything is registered', async () => {
    const { catalog } = await newCatalog();
    await catalog.ensureTable('Contact', SUCCESS_COLUMNS);
    const [partition] = partitionsOf('Contact', 1);
    await expect(catalog.registerPartitions('Contact', [{ ...partition, location: '/tmp/logs/' }])).rejects.toThrow(
      CatalogError,
    );
    expect(await catalog.listPartitions('Contact')).toEqual([]);
  });
});
