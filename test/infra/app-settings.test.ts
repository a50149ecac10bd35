import { App } from 'aws-cdk-lib';
import { settingsFromContext } from '../../src/infra/app-settings';

function settings(context: Record<string, unknown>) {
  return settingsFromContext(new App({ context }).node);
}

describe('settingsFromContext', () => {
  test('reads comma-separated lists from -c and arrays from cdk.json', () => {
    expect(settings({ 'sfetl:objects': 'Account, Contact,Invoice__c' }).objects).toEqual([
      'Account',
      'Contact',
      'Invoice__c',
    ]);
    expect(settings({ 'sfetl:objects': ['Lead'] }).objects).toEqual(['Lead']);
  });

  test('reads one schedule per environment', () => {
    expect(settings({ 'sfetl:schedule:prod': 'cron(0 2 * * ? *)' }).schedules).toEqual({ prod: 'cron(0 2 * * ? *)' });
  });

  test('leaves unset keys undefined, so the defaults apply', () => {
    const read = settings({});
    expect(read.objects).toBeUndefined();
    expect(read.emrClusterId).toBeUndefined();
    expect(read.schedules).toEqual({});
  });

  test('refuses a failure-rate threshold that is not a percentage', () => {
    expect(() => settings({ 'sfetl:failureRateThresholdPercent': 'five' })).toThrow(/number from 0 to 100/);
    expect(settings({ 'sfetl:failureRateThresholdPercent': '2.5' }).failureRateThresholdPercent).toBe(2.5);
  });

  test('reads the publish mode, full or incremental, and refuses anything else', () => {
    expect(settings({ 'sfetl:publishMode': 'incremental' }).publishMode).toBe('incremental');
    expect(settings({}).publishMode).toBeUndefined();
    expect(() => settings({ 'sfetl:publishMode': 'fast' })).toThrow(/sfetl:publishMode must be full or incremental/);
  });

  test('reads the schedule of the full publish', () => {
    expect(settings({ 'sfetl:fullPublishSchedule': 'cron(0 3 ? * SAT *)' }).fullPublishSchedule).toBe(
      'cron(0 3 ? * SAT *)',
    );
    expect(settings({}).fullPublishSchedule).toBeUndefined();
  });

  test('reads the Slack channel of the alerts: workspace and channel id together, or neither', () => {
    expect(settings({ 'sfetl:slackWorkspaceId': 'T07EA123LEP', 'sfetl:slackChannelId': 'C07EZ1ABC23' }).slack).toEqual({
      workspaceId: 'T07EA123LEP',
      channelId: 'C07EZ1ABC23',
    });
    expect(settings({}).slack).toBeUndefined();
    expect(() => settings({ 'sfetl:slackChannelId': 'C07EZ1ABC23' })).toThrow(/go together: set both, or neither/);
  });
});
