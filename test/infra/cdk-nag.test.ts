import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { testApp } from './infra-test-app';
import { SfetlAppSettings } from '../../src/infra/app-settings';

/** Every acknowledged rule in the app: construct path, rule id, reason. */
function acknowledgments(app: App): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}

const variants: Array<[string, SfetlAppSettings]> = [
  ['defaults (new source bucket, transient EMR clusters)', {}],
  [
    'existing source bucket with its key, existing EMR cluster, schedules, alert e-mail',
    {
      sourceBucketName: 'their-source',
      sourceBucketKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      emrClusterId: 'j-2AXXXXXXGAPLF',
      schedules: { prod: 'cron(0 2 * * ? *)', dev: 'cron(0 * * * ? *)' },
      alertEmail: 'oncall@example.com',
    },
  ],
  ['alerts in a Slack channel (AWS Chatbot)', { slack: { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' } }],
];

describe('cdk-nag AwsSolutions', () => {
  test.each(variants)('%s: no unacknowledged finding', (_name, settings) => {
    const { app } = testApp(settings);
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  test('every acknowledgment names one rule (or one finding of it) and says why', () => {
    const { app } = testApp();
    const acks = acknowledgments(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/^AwsSolutions-[A-Za-z0-9]+(\[.+\])?$/);
      expect(ack.reason.length).toBeGreaterThan(60);
    }
  });

  test('no rule is acknowledged wholesale on a stack or the app', () => {
    const { app } = testApp();
    for (const ack of acknowledgments(app)) {
      expect(ack.path.split('/').length).toBeGreaterThan(1);
    }
  });
});
