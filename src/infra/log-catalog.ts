import { RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { namedLogQueries } from '../catalog/named-queries';

/** Properties of {@link LogCatalog}. */
export interface LogCatalogProps {
  /** The Glue database of the log tables (config `logs.glueDatabase`). */
  readonly databaseName: string;
  /** The sObjects loaded: the named queries read one log table per object. */
  readonly objects: readonly string[];
  /** The Athena workgroup's name. */
  readonly workGroupName: string;
  /** Where Athena writes query results. */
  readonly resultsBucket: s3.IBucket;
  /** Prefix of the results in that bucket (ends with `/`). */
  readonly resultsPrefix: string;
  /** Encrypts the query results. */
  readonly resultsKey: kms.IKey;
  /**
   * Queries that would scan more than this are cancelled.
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * What happens to the database (and the tables the runner made in it) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Glue database of the log tables (DESIGN.md §2.2) and the Athena workgroup to query them.
 *
 * The runner creates one table per object and registers every partition with its S3 location. No table here
 * (and none the runner makes) uses partition projection: Athena would then ignore the registered partitions,
 * whose locations cannot be derived from the keys (docs/architecture.md).
 *
 * The workgroup enforces its settings (clients cannot send results elsewhere or unencrypted), encrypts results
 * with the project key and cancels queries above a scanned-bytes cutoff. Its named queries are the very SQL
 * `sfetl` runs locally (src/catalog/named-queries.ts).
 */
export class LogCatalog extends Construct {
  /** Default cutoff: 10 GiB scanned per query. */
  static readonly DEFAULT_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

  readonly database: glue.Database;
  readonly workGroup: athena.CfnWorkGroup;
  readonly namedQueries: athena.CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: LogCatalogProps) {
    super(scope, id);
    this.database = new glue.Database(this, 'Database', {
      databaseName: props.databaseName,
      description: 'sfetl: per-record load logs, one table per Salesforce object (written by sfetl load)',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'sfetl: queries over the load logs',
      state: 'ENABLED',
      // Deleting the stack removes the workgroup with its named queries and query history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? LogCatalog.DEFAULT_BYTES_SCANNED_CUTOFF,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/${props.resultsPrefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.resultsKey.keyArn },
        },
      },
    });

    this.namedQueries = namedLogQueries(props.databaseName, props.objects).map((query) => {
      const named = new athena.CfnNamedQuery(this, `Query-${query.id}`, {
        name: query.name,
        description: query.description,
        database: props.databaseName,
        queryString: query.sql,
        workGroup: this.workGroup.ref,
      });
      named.addResourceDependency(this.workGroup);
      return named;
    });
  }
}
