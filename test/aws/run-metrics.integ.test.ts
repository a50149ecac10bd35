import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createAwsClients, publishRunMetrics, RUN_METRICS_NAMESPACE, runMetricData } from '../../src/aws';
import { useLocalParts } from '../support/local-parts';

const run = {
  env: 'qa',
  rowsRead: 200,
  failure: 15,
  seconds: 42.5,
  objects: [
    { object: 'Contact', rowsRead: 120, success: 110, failure: 10, rejected: 1, jobs: 2, seconds: 30 },
    { object: 'Invoice__c', rowsRead: 80, success: 75, failure: 5, rejected: 0, jobs: 1, seconds: 12.5 },
  ],
};

describe('runMetricData', () => {
  test('the failure rate in percent per env, and the counts per env and object', () => {
    const data = runMetricData(run, new Date('2026-12-06T05:00:00Z'));
    expect(data[0]).toMatchObject({
      MetricName: 'RunFailureRate',
      Value: 7.5,
      Unit: 'Percent',
      Dimensions: [{ Name: 'env', Value: 'qa' }],
    });
    expect(data.find((d) => d.MetricName === 'RecordsFailed' && d.Dimensions![1]!.Value === 'Contact')).toMatchObject({
      Value: 10,
      Dimensions: [
        { Name: 'env', Value: 'qa' },
        { Name: 'object', Value: 'Contact' },
      ],
    });
    expect(data).toHaveLength(3 + 2 * 6);
    expect(runMetricData({ ...run, rowsRead: 0, failure: 0, objects: [] }, new Date())[0]!.Value).toBe(0);
  });
});

describe('publishRunMetrics against moto', () => {
  const parts = useLocalParts({ emulator: false });

  test('PutMetricData puts the run failure rate where the alarm reads it (namespace, name, env)', async () => {
    const { endpoint, region } = parts().aws;
    const { cloudwatch } = createAwsClients({ region, endpoint, env: {} });
    const now = new Date();
    now.setUTCSeconds(0, 0);
    expect(await publishRunMetrics(cloudwatch, run, now)).toBe(15);
    const answer = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 10 * 60_000),
        EndTime: new Date(now.getTime() + 10 * 60_000),
        MetricDataQueries: [
          {
            Id: 'rate',
            MetricStat: {
              Metric: {
                Namespace: RUN_METRICS_NAMESPACE,
                MetricName: 'RunFailureRate',
                Dimensions: [{ Name: 'env', Value: 'qa' }],
              },
              Period: 300,
              Stat: 'Maximum',
            },
          },
          {
            Id: 'loaded',
            MetricStat: {
              Metric: {
                Namespace: RUN_METRICS_NAMESPACE,
                MetricName: 'RecordsLoaded',
                Dimensions: [
                  { Name: 'env', Value: 'qa' },
                  { Name: 'object', Value: 'Invoice__c' },
                ],
              },
              Period: 300,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const values = Object.fromEntries((answer.MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
    expect(values).toEqual({ rate: [7.5], loaded: [75] });
  });
});
