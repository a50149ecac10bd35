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

/**
 * The job-failure rule's input template for the target that publishes to the topic whose logical id starts
 * with `topic`, as text, CloudFormation references shown as `${…}`.
 */
function ruleInput(template: ReturnType<typeof appTemplates>['shared'], topic = 'MonitoringAlerts'): string {
  const [rule] = Object.values(template.findResources('AWS::Events::Rule')) as Array<{
    Properties: { Targets: Array<{ Arn: { Ref: string }; InputTransformer: { InputTemplate: unknown } }> };
  }>;
  const targets = rule!.Properties.Targets.filter((t) => t.Arn.Ref.startsWith(topic));
  expect(targets).toHaveLength(1);
  const input = targets[0]!.InputTransformer.InputTemplate;
  if (typeof input === 'string') return input;
  const [, parts] = (input as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : `\${${JSON.stringify(part)}}`)).join('');
}

describe('Monitoring: where the report is, and a Slack channel', () => {
  const slack = appTemplates({ slack: { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' } }).shared;

  test("a job failure's message names the report folder and the failed-rows export", () => {
    const template = ruleInput(shared);
    expect(template).toContain('s3://sfetl-logs-');
    expect(template).toContain('/_sfetl/reports/<run id>/<env>.html');
    expect(template).toContain('sfetl failures export');
  });

  test("each failure-rate alarm names its env's reports and the export command", () => {
    for (const env of SFETL_ENVIRONMENTS) {
      shared.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Dimensions: [{ Name: 'env', Value: env }],
        AlarmDescription: {
          'Fn::Join': [
            '',
            Match.arrayWith([
              Match.stringLikeRegexp(`_sfetl/reports/<run id>/${env}\\.html.*sfetl failures export --env ${env}`),
            ]),
          ],
        },
      });
    }
  });

  test('without the Slack setting there is no chat channel and mail gets plain text', () => {
    expect(Object.keys(shared.findResources('AWS::Chatbot::SlackChannelConfiguration'))).toHaveLength(0);
    expect(Object.keys(shared.findResources('AWS::SNS::Topic'))).toHaveLength(1);
    expect(ruleInput(shared)).toMatch(/^"sfetl: Glue job /);
  });

  test('with it, AWS Chatbot posts its own alert topic to the channel, with read-only guardrails', () => {
    slack.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'sfetl-alerts',
      SlackWorkspaceId: 'T07EA123LEP',
      SlackChannelId: 'C07EZ1ABC23',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^MonitoringChatAlerts') }],
      GuardrailPolicies: [
        { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':iam::aws:policy/CloudWatchReadOnlyAccess$')])] },
      ],
    });
  });

  test("with it, job failures reach the channel's topic as Chatbot custom notifications (version 1.0, source custom)", () => {
    const template = ruleInput(slack, 'MonitoringChatAlerts');
    expect(template).toMatch(
      /^\{"version":"1.0","source":"custom","content":\{"title":"sfetl: <detail-jobName> <detail-state>"/,
    );
    expect(template).toContain('_sfetl/reports/<run id>/<env>.html');
  });

  test('with it, mail still gets plain text, and each failure-rate alarm goes to both topics', () => {
    expect(ruleInput(slack, 'MonitoringAlerts')).toMatch(/^"sfetl: Glue job /);
    for (const env of SFETL_ENVIRONMENTS) {
      slack.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Dimensions: [{ Name: 'env', Value: env }],
        AlarmActions: [
          { Ref: Match.stringLikeRegexp('^MonitoringAlerts') },
          { Ref: Match.stringLikeRegexp('^MonitoringChatAlerts') },
        ],
      });
    }
  });
});
