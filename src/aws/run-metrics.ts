import { CloudWatchClient, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';

/**
 * The namespace of the runner's metrics: the alarms and the dashboard of the CDK app read it, and the load
 * job's role may put metrics into this namespace only (src/infra/load-job.ts).
 */
export const RUN_METRICS_NAMESPACE = 's3-salesforce-etl';

/** What one load run reports, per env and per object (from its summary). */
export interface RunMetricsInput {
  readonly env: string;
  readonly rowsRead: number;
  readonly failure: number;
  readonly seconds: number;
  readonly objects: readonly {
    readonly object: string;
    readonly rowsRead: number;
    readonly success: number;
    readonly failure: number;
    readonly rejected: number;
    readonly jobs: number;
    readonly seconds: number;
  }[];
}

/** PutMetricData takes at most 1,000 metrics a request; far more than a run has, but stay within it. */
const MAX_METRICS_PER_CALL = 1000;

/**
 * The run's metrics as CloudWatch data points, the same names, units and dimensions as the embedded-metric
 * lines of `--output json`: per env `RunFailureRate` (percent, the failure-rate alarm's metric),
 * `RunRecordsRead`, `RunDurationSeconds`; per env and object `RecordsRead`, `RecordsLoaded`, `RecordsFailed`,
 * `RecordsRejected`, `Jobs`, `DurationSeconds` (the dashboard's).
 */
export function runMetricData(run: RunMetricsInput, timestamp: Date): MetricDatum[] {
  const datum = (name: string, value: number, unit: StandardUnit, dimensions: Record<string, string>): MetricDatum => ({
    MetricName: name,
    Value: value,
    Unit: unit,
    Timestamp: timestamp,
    Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
  });
  const env = { env: run.env };
  return [
    datum('RunFailureRate', run.rowsRead === 0 ? 0 : (100 * run.failure) / run.rowsRead, 'Percent', env),
    datum('RunRecordsRead', run.rowsRead, 'Count', env),
    datum('RunDurationSeconds', run.seconds, 'Seconds', env),
    ...run.objects.flatMap((o) => {
      const where = { env: run.env, object: o.object };
      return [
        datum('RecordsRead', o.rowsRead, 'Count', where),
        datum('RecordsLoaded', o.success, 'Count', where),
        datum('RecordsFailed', o.failure, 'Count', where),
        datum('RecordsRejected', o.rejected, 'Count', where),
        datum('Jobs', o.jobs, 'Count', where),
        datum('DurationSeconds', o.seconds, 'Seconds', where),
      ];
    }),
  ];
}

/**
 * Publishes a run's metrics with CloudWatch PutMetricData
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html). The embedded
 * metric format lines the runner also prints become metrics only when they reach CloudWatch Logs through
 * the CloudWatch agent, PutLogEvents or Lambda's log agent
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation.html);
 * no AWS document says a Glue Python-shell job's output is extracted, so the alarm rests on this call.
 */
export async function publishRunMetrics(
  cloudwatch: CloudWatchClient,
  run: RunMetricsInput,
  timestamp: Date = new Date(),
): Promise<number> {
  const data = runMetricData(run, timestamp);
  for (let i = 0; i < data.length; i += MAX_METRICS_PER_CALL) {
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: RUN_METRICS_NAMESPACE,
        MetricData: data.slice(i, i + MAX_METRICS_PER_CALL),
      }),
    );
  }
  return data.length;
}
