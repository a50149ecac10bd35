import { Template } from 'aws-cdk-lib/assertions';
import { appTemplates, statementBySid } from './infra-test-app';

const { env } = appTemplates({ sourceBucketName: 'their-source' });
const dev = env.dev;
const prod = env.prod;

function jobProps(template: Template): Record<string, any> {
  const jobs = Object.values(template.findResources('AWS::Glue::Job')) as Array<{ Properties: Record<string, any> }>;
  expect(jobs).toHaveLength(1);
  return jobs[0].Properties;
}

describe('LoadJob', () => {
  test('is a Python 3.9 shell job on Glue 3.0 with 1 DPU, one run at a time, no automatic retry', () => {
    expect(jobProps(dev)).toMatchObject({
      Name: 'sfetl-load-dev',
      Command: { Name: 'pythonshell', PythonVersion: '3.9' },
      GlueVersion: '3.0',
      MaxCapacity: 1,
      MaxRetries: 0,
      ExecutionProperty: { MaxConcurrentRuns: 1 },
    });
  });

  test('runs glue-scripts/bootstrap.py from the asset bucket', () => {
    expect(JSON.stringify(jobProps(dev).Command.ScriptLocation)).toMatch(/cdk-hnb659fds-assets-.*\.py"/);
  });

  test('ships glue-scripts/sfetl_glue_job.py with --extra-py-files and reads only that object', () => {
    const shared = JSON.stringify(jobProps(dev).DefaultArguments['--extra-py-files']);
    const key = /\/([0-9a-f]{64}\.py)"/.exec(shared)?.[1];
    expect(key).toBeDefined();
    expect(JSON.stringify(jobProps(dev).Command.ScriptLocation)).not.toContain(key);
    expect(JSON.stringify(statementBySid(dev, 'ReadSharedModule').Resource)).toContain(key);
  });

  test("passes bootstrap.py's arguments: env, config, bundle location and sha256", () => {
    const args = jobProps(dev).DefaultArguments;
    expect(args['--env']).toBe('dev');
    expect(args['--config']).toEqual({
      'Fn::Join': [
        '',
        ['s3://sfetl-artifacts-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }, '/config/sfetl.yaml'],
      ],
    });
    expect(JSON.stringify(args['--bundle-s3-uri'])).toMatch(
      /s3:\/\/cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}\/[0-9a-f]{64}\.zip/,
    );
    expect(args['--bundle-sha256']).toBe('d836bdffb80e5691f32e6875f446b1d94515d472551f0f8a4691dc5f54eb3894');
    expect(args['--fail-on-threshold']).toBe('true');
    // The report step: after the load, the runner writes <statePrefix>reports/<run id>/<env>.html.
    expect(args['--report']).toBe('true');
    // The metric path of the failure-rate alarm: PutMetricData after the load.
    expect(args['--put-metrics']).toBe('true');
  });

  test('the prod job itself does not carry --confirm-env (the prod workflow does)', () => {
    expect(jobProps(prod).DefaultArguments['--confirm-env']).toBeUndefined();
    expect(jobProps(prod).DefaultArguments['--env']).toBe('prod');
  });

  test('runs with a security configuration that encrypts its logs with the data key', () => {
    const securityConfigurations = dev.findResources('AWS::Glue::SecurityConfiguration');
    expect(Object.keys(securityConfigurations)).toHaveLength(1);
    dev.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      Name: 'sfetl-glue-jobs-dev',
      EncryptionConfiguration: {
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS' },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS' },
        S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS' }],
      },
    });
    expect(jobProps(dev).SecurityConfiguration).toEqual({ Ref: Object.keys(securityConfigurations)[0] });
  });

  test('may put metrics into the runner namespace only (PutMetricData has no resource-level permission)', () => {
    expect(statementBySid(dev, 'PutRunMetrics')).toEqual({
      Sid: 'PutRunMetrics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 's3-salesforce-etl' } },
    });
  });

  test('may list the log tables, which the run report reads', () => {
    expect(statementBySid(dev, 'LogCatalog').Action).toContain('glue:GetTables');
  });

  test('reads the source bucket, and only reads it', () => {
    expect(statementBySid(dev, 'ReadSource')).toMatchObject({
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::their-source/*']] },
    });
    expect(JSON.stringify(dev.toJSON())).not.toMatch(/their-source\/[^"]*"[^\]]*s3:PutObject/);
  });

  test('writes only the success/ and failure/ trees and the state prefix of the log bucket', () => {
    const logs = statementBySid(dev, 'WriteLogs');
    expect(logs.Action).toEqual(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload']);
    expect(JSON.stringify(logs.Resource)).toMatch(/sfetl-logs-.*\/success\/\*.*sfetl-logs-.*\/failure\/\*/);
    const state = statementBySid(dev, 'WriteState');
    expect(state.Action).toContain('s3:DeleteObject');
    expect(JSON.stringify(state.Resource)).toMatch(/sfetl-logs-.*\/_sfetl\/\*"/);
  });

  test('writes the Glue catalog in the log database only', () => {
    const catalog = statementBySid(dev, 'LogCatalog');
    expect(catalog.Action).toEqual(
      expect.arrayContaining(['glue:CreateTable', 'glue:UpdateTable', 'glue:BatchCreatePartition']),
    );
    const resources = JSON.stringify(catalog.Resource);
    expect(resources).toContain(':database/sfetl_logs"');
    expect(resources).toContain(':table/sfetl_logs/*"');
    expect(resources).not.toMatch(/database\/sfetl"|table\/sfetl\//);
  });

  test('reads and writes the run properties of its own workflow only', () => {
    expect(statementBySid(prod, 'WorkflowRunProperties')).toMatchObject({
      Action: ['glue:GetWorkflowRunProperties', 'glue:PutWorkflowRunProperties'],
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':glue:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':workflow/sfetl-prod',
          ],
        ],
      },
    });
  });

  test('reads exactly the runner bundle object and the config object', () => {
    expect(JSON.stringify(statementBySid(dev, 'ReadRunnerBundle').Resource)).toMatch(/\/[0-9a-f]{64}\.zip"/);
    expect(JSON.stringify(statementBySid(dev, 'ReadConfig').Resource)).toMatch(/config\/sfetl\.yaml"/);
  });

  test('an existing source bucket with its own key gets decrypt on that key only', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const withKey = appTemplates({ sourceBucketName: 'their-source', sourceBucketKeyArn: keyArn }).env.qa;
    expect(statementBySid(withKey, 'SourceKey')).toMatchObject({ Action: 'kms:Decrypt', Resource: keyArn });
  });
});
