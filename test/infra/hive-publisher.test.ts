import { Match, Template } from 'aws-cdk-lib/assertions';
import { appTemplates, emptyStack, statementBySid } from './infra-test-app';
import { GlueJobSecurity } from '../../src/infra/glue-job-security';
import {
  GLUE_CATALOG_METASTORE_CONFIGURATIONS,
  HivePublisher,
  HivePublisherProps,
} from '../../src/infra/hive-publisher';
import { Storage } from '../../src/infra/storage';

const FACTORY = 'com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory';
const transient = appTemplates({ emrSubnetId: 'subnet-0abc' }).shared;
const existing = appTemplates({ emrClusterId: 'j-2AXXXXXXGAPLF' }).shared;

/** One HivePublisher in a stack of its own, for props the app does not set. */
function publisherTemplate(props: Partial<HivePublisherProps>): Template {
  const stack = emptyStack();
  const storage = new Storage(stack, 'Storage');
  new HivePublisher(stack, 'HivePublisher', {
    hiveDatabaseName: 'sfetl',
    logDatabaseName: 'sfetl_logs',
    storage,
    jobName: 'sfetl-publish',
    workflowNames: ['sfetl-qa'],
    security: new GlueJobSecurity(stack, 'Security', { key: storage.key, securityConfigurationName: 'sfetl' }),
    ...props,
  });
  return Template.fromStack(stack);
}

function publishArgs(template: Template): Record<string, unknown> {
  const jobs = Object.values(template.findResources('AWS::Glue::Job', { Properties: { Name: 'sfetl-publish' } }));
  expect(jobs).toHaveLength(1);
  return (jobs[0] as { Properties: { DefaultArguments: Record<string, unknown> } }).Properties.DefaultArguments;
}

describe('HivePublisher', () => {
  test('the metastore configuration makes Hive and Spark use the Glue Data Catalog', () => {
    expect(GLUE_CATALOG_METASTORE_CONFIGURATIONS).toEqual([
      { Classification: 'hive-site', Properties: { 'hive.metastore.client.factory.class': FACTORY } },
      { Classification: 'spark-hive-site', Properties: { 'hive.metastore.client.factory.class': FACTORY } },
    ]);
    const parameters = Object.values(transient.findResources('AWS::SSM::Parameter')) as Array<{
      Properties: { Value: string };
    }>;
    expect(parameters).toHaveLength(1);
    expect(JSON.parse(parameters[0].Properties.Value)).toEqual(GLUE_CATALOG_METASTORE_CONFIGURATIONS);
  });

  test('the Hive database lives in the warehouse bucket and differs from the log database', () => {
    transient.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: {
        Name: 'sfetl',
        LocationUri: {
          'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^StorageWarehouseBucket') }, '/sfetl.db']],
        },
      },
    });
    expect(() => appTemplates({ hiveDatabaseName: 'sfetl_logs' })).toThrow(/must differ/);
  });

  test('the publish job is a Python 3.9 shell job running submit_emr_step.py, several runs at once', () => {
    transient.hasResourceProperties('AWS::Glue::Job', {
      Name: 'sfetl-publish',
      Command: { Name: 'pythonshell', PythonVersion: '3.9' },
      MaxCapacity: 0.0625,
      // Four workflows ending together must not fail with "max concurrent runs exceeded": they queue.
      ExecutionProperty: { MaxConcurrentRuns: 10 },
    });
    publisherTemplate({ maxConcurrentRuns: 6 }).hasResourceProperties('AWS::Glue::Job', {
      Name: 'sfetl-publish',
      ExecutionProperty: { MaxConcurrentRuns: 6 },
    });
  });

  test('runs go through the publish queue in the state prefix of the log bucket, shipped as --extra-py-files', () => {
    const args = publishArgs(transient);
    expect(args['--queue-uri']).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^StorageLogBucket/) }, '/_sfetl/publish/']],
    });
    expect(JSON.stringify(args['--extra-py-files'])).toMatch(/cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.py"/);
    const queue = statementBySid(transient, 'PublishQueue');
    expect(queue.Action).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(JSON.stringify(queue.Resource)).toMatch(/StorageLogBucket.*\/_sfetl\/publish\/\*/);
  });

  test('ships the same sfetl_glue_job.py as the load job with --extra-py-files, readable as that object only', () => {
    const loadJob = Object.values(appTemplates({ emrSubnetId: 'subnet-0abc' }).env.dev.findResources('AWS::Glue::Job'));
    const loadExtra = JSON.stringify(
      (loadJob[0] as { Properties: { DefaultArguments: Record<string, unknown> } }).Properties.DefaultArguments[
        '--extra-py-files'
      ],
    );
    const key = /\/([0-9a-f]{64}\.py)"/.exec(loadExtra)?.[1];
    expect(key).toBeDefined();
    const shared = JSON.stringify(publishArgs(transient)['--extra-py-files']);
    // The publish job ships two files (the shared module and publish_queue.py), the load job the one.
    expect(shared.match(/[0-9a-f]{64}\.py/g)).toHaveLength(2);
    expect(shared).toContain(key);
    expect(JSON.stringify(statementBySid(transient, 'ReadSharedModule').Resource)).toContain(key);
  });

  test("passes submit_emr_step.py's step arguments: script, logs, database, warehouse", () => {
    const args = publishArgs(transient);
    expect(JSON.stringify(args['--script-s3-uri'])).toMatch(/cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.py"/);
    expect(args['--logs']).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^StorageLogBucket/) }, '/']],
    });
    expect(args['--warehouse']).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^StorageWarehouseBucket/) }, '/']],
    });
    expect(args['--database']).toBe('sfetl');
  });

  test('passes the publish mode as --publish-mode (incremental by default), never as the Glue-reserved --mode', () => {
    expect(publishArgs(transient)['--publish-mode']).toBe('incremental');
    expect(publishArgs(existing)['--publish-mode']).toBe('incremental');
    const full = publishArgs(publisherTemplate({ publishMode: 'full' }));
    expect(full['--publish-mode']).toBe('full');
    // The app setting (context sfetl:publishMode) reaches the shared stack's job.
    expect(publishArgs(appTemplates({ publishMode: 'full' }).shared)['--publish-mode']).toBe('full');
    for (const args of [publishArgs(transient), publishArgs(existing), full]) {
      expect(args['--mode']).toBeUndefined();
    }
  });

  test('a full publish runs on its own schedule, weekly by default, and the app setting changes or removes it', () => {
    transient.hasResourceProperties('AWS::Glue::Trigger', {
      Name: 'sfetl-publish-full',
      Type: 'SCHEDULED',
      Schedule: 'cron(0 4 ? * SUN *)',
      StartOnCreation: true,
      Actions: [{ JobName: 'sfetl-publish', Arguments: { '--publish-mode': 'full' } }],
    });
    appTemplates({ fullPublishSchedule: 'cron(0 5 1 * ? *)' }).shared.hasResourceProperties('AWS::Glue::Trigger', {
      Name: 'sfetl-publish-full',
      Schedule: 'cron(0 5 1 * ? *)',
    });
    const none = appTemplates({ fullPublishSchedule: 'none' }).shared;
    expect(
      Object.keys(none.findResources('AWS::Glue::Trigger', { Properties: { Name: 'sfetl-publish-full' } })),
    ).toEqual([]);
  });

  test('transient clusters: EMR 7.14, our roles, EMR logs in the artifacts bucket, the given subnet', () => {
    const args = publishArgs(transient);
    expect(args['--release-label']).toBe('emr-7.14.0');
    expect(args['--service-role']).toEqual({ Ref: expect.stringMatching(/^HivePublisherServiceRole/) });
    expect(args['--job-flow-role']).toEqual({ Ref: expect.stringMatching(/^HivePublisherInstanceProfile/) });
    expect(JSON.stringify(args['--log-uri'])).toContain('/emr-logs/');
    expect(args['--subnet-id']).toBe('subnet-0abc');
    expect(args['--cluster-id']).toBeUndefined();
  });

  test('transient clusters: RunJobFlow only for requests tagged sfetl:purpose=publish', () => {
    expect(statementBySid(transient, 'StartTransientCluster')).toMatchObject({
      Action: 'elasticmapreduce:RunJobFlow',
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestTag/sfetl:purpose': 'publish' } },
    });
    expect(statementBySid(transient, 'PassServiceRole')).toMatchObject({
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'elasticmapreduce.amazonaws.com' } },
    });
  });

  test('an existing cluster: --cluster-id, steps on that cluster only, no service role', () => {
    expect(publishArgs(existing)['--cluster-id']).toBe('j-2AXXXXXXGAPLF');
    expect(publishArgs(existing)['--release-label']).toBeUndefined();
    expect(JSON.stringify(statementBySid(existing, 'UseExistingCluster').Resource)).toContain(
      ':cluster/j-2AXXXXXXGAPLF"',
    );
    expect(JSON.stringify(existing.toJSON())).not.toContain('elasticmapreduce:RunJobFlow');
    expect(JSON.stringify(existing.toJSON())).not.toContain('AmazonEMRServicePolicy_v2');
  });

  test('the cluster nodes read only the log trees and write the Hive database and warehouse', () => {
    expect(statementBySid(transient, 'ReadLogs')).toMatchObject({ Action: 's3:GetObject' });
    expect(JSON.stringify(statementBySid(transient, 'ReadLogs').Resource)).toMatch(/\/success\/\*.*\/failure\/\*/);
    const hive = JSON.stringify(statementBySid(transient, 'HiveDatabase').Resource);
    expect(hive).toContain(':table/sfetl/*"');
    expect(hive).not.toContain('sfetl_logs');
  });

  test('the EMR service role uses the v2 managed policy and may pass only our instance role', () => {
    transient.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'elasticmapreduce.amazonaws.com' } }] },
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEMRServicePolicy_v2'],
          ],
        },
      ],
    });
    expect(statementBySid(transient, 'PassInstanceRole')).toBeDefined();
  });
});
