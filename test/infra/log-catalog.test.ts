import { Match } from 'aws-cdk-lib/assertions';
import { appTemplates } from './infra-test-app';
import { namedLogQueries } from '../../src/catalog/named-queries';

const { shared } = appTemplates({ objects: ['Account', 'Contact', 'Invoice__c'], logDatabaseName: 'acme_logs' });

describe('LogCatalog', () => {
  test('creates the log database, retained on stack deletion', () => {
    shared.hasResource('AWS::Glue::Database', {
      Properties: { DatabaseInput: { Name: 'acme_logs' } },
      DeletionPolicy: 'Retain',
    });
  });

  test('no Glue table uses partition projection (Athena would ignore the registered partitions)', () => {
    expect(JSON.stringify(shared.toJSON())).not.toContain('projection.enabled');
  });

  test('the Athena workgroup enforces its configuration', () => {
    shared.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'sfetl-logs',
      WorkGroupConfiguration: { EnforceWorkGroupConfiguration: true, PublishCloudWatchMetricsEnabled: true },
    });
  });

  test('query results go encrypted (SSE-KMS, data key) to athena-results/ of the artifacts bucket', () => {
    shared.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        ResultConfiguration: {
          OutputLocation: {
            'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^StorageArtifactsBucket') }, '/athena-results/']],
          },
          EncryptionConfiguration: {
            EncryptionOption: 'SSE_KMS',
            KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageKey'), 'Arn'] },
          },
        },
      },
    });
  });

  test('queries scanning more than 10 GiB are cancelled', () => {
    shared.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 10 * 1024 ** 3 },
    });
  });

  test("the named queries are src/catalog/named-queries.ts's SQL, in the workgroup and the log database", () => {
    const expected = namedLogQueries('acme_logs', ['Account', 'Contact', 'Invoice__c']);
    shared.resourceCountIs('AWS::Athena::NamedQuery', 4);
    for (const query of expected) {
      shared.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: query.name,
        Database: 'acme_logs',
        QueryString: query.sql,
        WorkGroup: { Ref: Match.stringLikeRegexp('^LogCatalogWorkGroup') },
      });
    }
    expect(expected.map((query) => query.id)).toEqual([
      'failure-rate',
      'latest-failures',
      'top-error-codes',
      'run-outcome',
    ]);
  });

  test('an object name that is no SQL identifier fails the synth', () => {
    expect(() => appTemplates({ objects: ['Bad-Name'] })).toThrow(/cannot be used in the log queries/);
  });
});
