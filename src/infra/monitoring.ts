import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SfetlEnvironment } from './environments';

/** Properties of {@link Monitoring}. */
export interface MonitoringProps {
  /** The environments, each with its load job's name. */
  readonly loadJobs: ReadonlyArray<{ readonly env: SfetlEnvironment; readonly jobName: string }>;
  /** The publish job's name. */
  readonly publishJobName: string;
  /** The sObjects loaded (one dashboard line per env and object). */
  readonly objects: readonly string[];
  /** The dashboard's name. */
  readonly dashboardName: string;
  /**
   * A run whose failure rate (failed rows ÷ rows read) is above this percentage raises the alarm; match it to
   * the config's `limits.failureRateThreshold` (0.05 → 5).
   * @default 5
   */
  readonly failureRateThresholdPercent?: number;
  /**
   * An address that receives the alerts (SNS sends a confirmation mail first).
   * @default - no subscription; subscribe to the topic yourself
   */
  readonly alertEmail?: string;
  /**
   * Where the load jobs write each run's report (`sfetl load --report`), `s3://<log bucket>/<statePrefix>reports/`;
   * the alerts name it.
   * @default - the alerts name no report
   */
  readonly reportsLocation?: string;
  /**
   * A Slack channel that receives the alerts through AWS Chatbot (the workspace must be authorized in the
   * Chatbot console once). The channel gets its own topic, where the job-failure messages are Chatbot custom
   * notifications; mail keeps plain text.
   * @default - no chat channel
   */
  readonly slack?: SlackAlerts;
}

/** A Slack channel for the alerts (docs/deploy.md). */
export interface SlackAlerts {
  /** The Slack workspace id (Chatbot console → the authorized workspace, e.g. `T07EA123LEP`). */
  readonly workspaceId: string;
  /** The channel id (Slack: channel details, e.g. `C07EZ1ABC23`); invite @aws to a private channel. */
  readonly channelId: string;
}

/**
 * Alerts and the dashboard.
 *
 * - An EventBridge rule sends every FAILED, TIMEOUT or STOPPED run of the sfetl jobs to an SNS topic.
 * - One alarm per environment on `RunFailureRate` (Percent), the metric the runner emits at the end of a run
 *   (src/cli/load-reporter.ts), to the same topic.
 * - A dashboard: records loaded and failed per env and object, and run durations per env.
 *
 * - With a Slack channel, a second topic for AWS Chatbot gets the same alerts, the job failures as Chatbot
 *   custom notifications; the first keeps plain text for mail.
 *
 * The topics are encrypted with their own key, which EventBridge and CloudWatch may use to publish.
 */
export class Monitoring extends Construct {
  /** The alerts as mail reads them: plain text. */
  readonly topic: sns.Topic;
  /** The alerts as AWS Chatbot reads them, when {@link MonitoringProps.slack} is set. */
  readonly chatTopic?: sns.Topic;
  readonly jobStateRule: events.Rule;
  readonly failureRateAlarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
  /** The Slack channel configuration, when {@link MonitoringProps.slack} is set. */
  readonly slackChannel?: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'TopicKey', {
      description: 'sfetl: alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Publish-${service.split('.')[0]}`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }
    this.topic = new sns.Topic(this, 'Alerts', {
      displayName: 'sfetl alerts',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alertEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
    }

    const jobNames = [...props.loadJobs.map((job) => job.jobName), props.publishJobName];
    this.jobStateRule = new events.Rule(this, 'JobFailed', {
      description: 'sfetl: a load or publish job run FAILED, TIMEOUT or STOPPED',
      eventPattern: {
        source: ['aws.glue'],
        detailType: ['Glue Job State Change'],
        detail: { jobName: jobNames, state: ['FAILED', 'TIMEOUT', 'STOPPED'] },
      },
    });
    const jobName = events.EventField.fromPath('$.detail.jobName');
    const jobRunId = events.EventField.fromPath('$.detail.jobRunId');
    const state = events.EventField.fromPath('$.detail.state');
    const reportHint =
      props.reportsLocation === undefined
        ? ''
        : ` The run's report, if the load got that far: ${props.reportsLocation}<run id>/<env>.html (run id: the ` +
          `workflow run's id, or ${jobRunId} when the job ran alone); failed rows: sfetl failures export.`;
    const summary = `sfetl: Glue job ${jobName} run ${jobRunId} ended ${state}: ${events.EventField.fromPath('$.detail.message')}`;
    this.jobStateRule.addTarget(
      new targets.SnsTopic(this.topic, { message: events.RuleTargetInput.fromText(`${summary}${reportHint}`) }),
    );
    if (props.slack !== undefined) {
      // Its own topic, so that mail keeps the plain text: AWS Chatbot shows only the messages it knows, and a
      // custom notification is one of them (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html).
      this.chatTopic = new sns.Topic(this, 'ChatAlerts', {
        displayName: 'sfetl alerts (chat)',
        masterKey: key,
        enforceSSL: true,
      });
      this.jobStateRule.addTarget(
        new targets.SnsTopic(this.chatTopic, {
          message: events.RuleTargetInput.fromObject({
            version: '1.0',
            source: 'custom',
            content: { title: `sfetl: ${jobName} ${state}`, description: `${summary}${reportHint}` },
          }),
        }),
      );
    }

    const threshold = props.failureRateThresholdPercent ?? 5;
    const alarmActions = [this.topic, this.chatTopic].flatMap((topic) =>
      topic === undefined ? [] : [new cwActions.SnsAction(topic)],
    );
    this.failureRateAlarms = props.loadJobs.map(({ env }) => {
      const alarm = new cloudwatch.Alarm(this, `FailureRate-${env}`, {
        alarmDescription:
          `sfetl ${env}: a load run's failure rate was above ${threshold} %. ` +
          (props.reportsLocation === undefined
            ? 'Read the failure logs (Athena: "sfetl: latest failures with their errors")'
            : `Read the run's report, ${props.reportsLocation}<run id>/${env}.html (the newest run id)`) +
          `, export the failed rows (sfetl failures export --env ${env} --object <Object> --run-id <run id>), ` +
          'fix them and load them as a new file (docs/operations.md).',
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'RunFailureRate',
          dimensionsMap: { env },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(5),
        }),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No run, no data: that is not a failure.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(...alarmActions);
      return alarm;
    });

    if (props.slack !== undefined && this.chatTopic !== undefined) {
      this.slackChannel = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: `${props.dashboardName}-alerts`,
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [this.chatTopic],
        // The channel receives alerts only: no AWS command may be run from it, whatever a member's own rights.
        guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(7),
    });
    const perObject = (metricName: string, env: SfetlEnvironment): cloudwatch.IMetric[] =>
      props.objects.map(
        (object) =>
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName,
            dimensionsMap: { env, object },
            statistic: cloudwatch.Stats.SUM,
            period: Duration.hours(1),
            label: object,
          }),
      );
    for (const { env } of props.loadJobs) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${env}: records loaded`,
          left: perObject('RecordsLoaded', env),
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `${env}: records failed`,
          left: perObject('RecordsFailed', env),
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `${env}: run duration and failure rate`,
          left: [
            new cloudwatch.Metric({
              namespace: METRICS_NAMESPACE,
              metricName: 'RunDurationSeconds',
              dimensionsMap: { env },
              statistic: cloudwatch.Stats.MAXIMUM,
              period: Duration.hours(1),
              label: 'run duration (s)',
            }),
          ],
          right: [
            new cloudwatch.Metric({
              namespace: METRICS_NAMESPACE,
              metricName: 'RunFailureRate',
              dimensionsMap: { env },
              statistic: cloudwatch.Stats.MAXIMUM,
              period: Duration.hours(1),
              label: 'failure rate (%)',
            }),
          ],
          rightAnnotations: [{ value: threshold, label: 'alarm threshold' }],
          width: 8,
        }),
      );
    }
  }
}
