import { Template } from 'aws-cdk-lib/assertions';
import { emptyStack } from './infra-test-app';
import { Storage } from '../../src/infra/storage';

function storageTemplate(props: ConstructorParameters<typeof Storage>[2] = {}): Template {
  const stack = emptyStack();
  new Storage(stack, 'Storage', {
    bucketNames: {
      source: 'src-bucket',
      logs: 'log-bucket',
      warehouse: 'warehouse-bucket',
      artifacts: 'artifacts-bucket',
      accessLogs: 'access-logs-bucket',
    },
    ...props,
  });
  return Template.fromStack(stack);
}

function bucketProps(template: Template, name: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: name } }));
  expect(found).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

describe('Storage', () => {
  test('the log bucket is encrypted with the customer key (SSE-KMS, bucket key on)', () => {
    const template = storageTemplate();
    const key = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    expect(bucketProps(template, 'log-bucket').BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] } },
        },
      ],
    });
  });

  test('the key rotates', () => {
    storageTemplate().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the log bucket is versioned', () => {
    expect(bucketProps(storageTemplate(), 'log-bucket').VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  test('every bucket blocks public access', () => {
    const template = storageTemplate();
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(5);
    for (const bucket of buckets) {
      expect((bucket as { Properties: Record<string, unknown> }).Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  test('every bucket policy denies requests without TLS', () => {
    const template = storageTemplate();
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(5);
    for (const policy of policies) {
      expect(policy).toMatchObject({
        Properties: {
          PolicyDocument: {
            Statement: expect.arrayContaining([
              expect.objectContaining({
                Effect: 'Deny',
                Action: 's3:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        },
      });
    }
  });

  test('old versions under the state prefix expire, current state objects never do', () => {
    const rules = (bucketProps(storageTemplate(), 'log-bucket').LifecycleConfiguration as { Rules: unknown[] }).Rules;
    expect(rules).toContainEqual({
      Id: 'state-old-versions',
      Prefix: '_sfetl/',
      Status: 'Enabled',
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    });
    expect(rules).not.toContainEqual(expect.objectContaining({ ExpirationInDays: expect.anything() }));
  });

  test('the state prefix follows the configuration', () => {
    const rules = (
      bucketProps(storageTemplate({ statePrefix: 'state/' }), 'log-bucket').LifecycleConfiguration as {
        Rules: unknown[];
      }
    ).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Id: 'state-old-versions', Prefix: 'state/' }));
  });

  test('a state prefix without a trailing slash is refused', () => {
    expect(() => storageTemplate({ statePrefix: '_sfetl' })).toThrow(/must end with "\/"/);
  });

  test('data buckets and the key are retained when the stack is deleted', () => {
    const template = storageTemplate();
    for (const name of ['src-bucket', 'log-bucket', 'warehouse-bucket']) {
      template.hasResource('AWS::S3::Bucket', {
        Properties: { BucketName: name },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  test('server access logs of the log bucket go to the access-logs bucket', () => {
    expect(bucketProps(storageTemplate(), 'log-bucket').LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: expect.stringMatching(/^StorageAccessLogsBucket/) },
      LogFilePrefix: 'LogBucket/',
    });
  });

  test('an existing source bucket is imported, not created', () => {
    const template = storageTemplate({ existingSourceBucketName: 'their-bucket' });
    expect(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: 'src-bucket' } })).toEqual({});
    template.resourceCountIs('AWS::S3::Bucket', 4);
  });

  test('Athena results and EMR logs expire from the artifacts bucket', () => {
    const rules = (bucketProps(storageTemplate(), 'artifacts-bucket').LifecycleConfiguration as { Rules: unknown[] })
      .Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: 'athena-results/', ExpirationInDays: 30, Status: 'Enabled' }),
    );
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'emr-logs/', ExpirationInDays: 30 }));
  });
});
