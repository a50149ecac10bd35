import { Match } from 'aws-cdk-lib/assertions';
import { appTemplates } from './infra-test-app';
import { SFETL_ENVIRONMENTS } from '../../src/infra/environments';

const { shared } = appTemplates({ objects: ['Account', 'Contact'], alertEmail: 'oncall@example.com' });

describe('Monitoring', () => {
  test('an EventBridge rule catches FAILED, TIMEOUT and STOPPED runs of every sfetl job', () => {
    shared.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.glue'],
        'detail-type': ['Glue Job State Change'],
        detail: {
          jobName: ['sfetl-load-dev', 'sfetl-load-qa', 'sfetl-load-uat', 'sfetl-load-prod', 'sfetl-publish'],
          state: ['FAILED', 'TIMEOUT', 'STOPPED'],
        },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^MonitoringAlerts') } })],
    });
  });

  test('the alert topic is encrypted and refuses publishers without TLS', () => {
    shared.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitoringTopicKey'), 'Arn'] },
    });
    shared.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('EventBridge and CloudWatch may use the topic key', () => {
    shared.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } }),
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  test('the alert address is subscribed by e-mail', () => {
    shared.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  test("one alarm per env on the runner's RunFailureRate metric, above 5 %, to the topic", () => {
    for (const env of SFETL_ENVIRONMENTS) {
      shared.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 's3-salesforce-etl',
        MetricName: 'RunFailureRate',
        Dimensions: [{ Name: 'env', Value: env }],
        Statistic: 'Maximum',
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlerts') }],
      });
    }
  });

  test('the dashboard shows records loaded and failed per env and object, and run durations', () => {
    const [dashboard] = Object.values(shared.findResources('AWS::CloudWatch::Dashboard')) as Array<{
      Properties: { DashboardBody: unknown };
    }>;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const env of SFETL_ENVIRONMENTS) {
      for (const object of ['Account', 'Contact']) {
        for (const metric of ['RecordsLoaded', 'RecordsFailed']) {
          expect(body).toContain(
            `[\\"s3-salesforce-etl\\",\\"${metric}\\",\\"env\\",\\"${env}\\",\\"object\\",\\"${object}\\"`,
          );
        }
      }
      expect(body).toContain(`[\\"s3-salesforce-etl\\",\\"RunDurationSeconds\\",\\"env\\",\\"${env}\\"`);
    }
  });
});
