import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
}

/**
 * Alerts and the dashboard.
 *
 * - An EventBridge rule sends every FAILED, TIMEOUT or STOPPED run of the sfetl jobs to an SNS topic.
 * - One alarm per environment on `RunFailureRate` (Percent), the metric the runner emits at the end of a run
 *   (src/cli/load-reporter.ts), to the same topic.
 * - A dashboard: records loaded and failed per env and object, and run durations per env.
 *
 * The topic is encrypted with its own key, which EventBridge and CloudWatch may use to publish.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly jobStateRule: events.Rule;
  readonly failureRateAlarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

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
    this.jobStateRule.addTarget(
      new targets.SnsTopic(this.topic, {
        message: events.RuleTargetInput.fromText(
          `sfetl: Glue job ${events.EventField.fromPath('$.detail.jobName')} run ` +
            `${events.EventField.fromPath('$.detail.jobRunId')} ended ${events.EventField.fromPath('$.detail.state')}: ` +
            `${events.EventField.fromPath('$.detail.message')}`,
        ),
      }),
    );

    const threshold = props.failureRateThresholdPercent ?? 5;
    const alarmAction = new cwActions.SnsAction(this.topic);
    this.failureRateAlarms = props.loadJobs.map(({ env }) => {
      const alarm = new cloudwatch.Alarm(this, `FailureRate-${env}`, {
        alarmDescription:
          `sfetl ${env}: a load run's failure rate was above ${threshold} %. Read the failure logs ` +
          '(Athena: "sfetl: latest failures with their errors"), fix the rows, load them as a new file.',
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
      alarm.addAlarmAction(alarmAction);
      return alarm;
    });

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
