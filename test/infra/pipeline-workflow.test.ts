import { Match, Template } from 'aws-cdk-lib/assertions';
import { appTemplates } from './infra-test-app';
import { SFETL_ENVIRONMENTS } from '../../src/infra/environments';

const { env } = appTemplates({ schedules: { prod: 'cron(0 2 * * ? *)' } });

function triggers(template: Template, type: string): Array<Record<string, any>> {
  return (
    Object.values(template.findResources('AWS::Glue::Trigger', { Properties: { Type: type } })) as Array<{
      Properties: Record<string, any>;
    }>
  ).map((trigger) => trigger.Properties);
}

describe('PipelineWorkflow', () => {
  test('there are four workflows, one per environment, one run at a time', () => {
    for (const name of SFETL_ENVIRONMENTS) {
      env[name].resourceCountIs('AWS::Glue::Workflow', 1);
      env[name].hasResourceProperties('AWS::Glue::Workflow', { Name: `sfetl-${name}`, MaxConcurrentRuns: 1 });
    }
  });

  test('without a schedule, an on-demand trigger starts the load job', () => {
    const [start] = triggers(env.dev, 'ON_DEMAND');
    expect(start).toMatchObject({
      Name: 'sfetl-dev-start',
      WorkflowName: { Ref: expect.stringMatching(/^Workflow/) },
      Actions: [{ JobName: { Ref: expect.stringMatching(/^LoadJob/) } }],
    });
    expect(triggers(env.dev, 'SCHEDULED')).toEqual([]);
  });

  test('with a schedule, the start trigger is scheduled and active', () => {
    expect(triggers(env.prod, 'SCHEDULED')).toEqual([
      expect.objectContaining({ Schedule: 'cron(0 2 * * ? *)', StartOnCreation: true }),
    ]);
    expect(triggers(env.prod, 'ON_DEMAND')).toEqual([]);
  });

  test('the publish job starts when the load ends: succeeded, failed, timed out or stopped', () => {
    for (const name of SFETL_ENVIRONMENTS) {
      const [publish] = triggers(env[name], 'CONDITIONAL');
      expect(publish).toMatchObject({
        Name: `sfetl-${name}-publish`,
        StartOnCreation: true,
        Actions: [{ JobName: 'sfetl-publish' }],
        Predicate: { Logical: 'ANY' },
      });
      expect(publish.Predicate.Conditions.map((condition: { State: string }) => condition.State)).toEqual([
        'SUCCEEDED',
        'FAILED',
        'TIMEOUT',
        'STOPPED',
      ]);
      for (const condition of publish.Predicate.Conditions) {
        expect(condition).toMatchObject({
          LogicalOperator: 'EQUALS',
          JobName: { Ref: expect.stringMatching(/^LoadJob/) },
        });
      }
    }
  });

  test('the conditional trigger carries no EventBatchingCondition (that is for EVENT triggers)', () => {
    env.qa.hasResourceProperties('AWS::Glue::Trigger', {
      Type: 'CONDITIONAL',
      EventBatchingCondition: Match.absent(),
    });
  });

  test('the prod workflow passes --confirm-env prod to its load job', () => {
    const [start] = triggers(env.prod, 'SCHEDULED');
    expect(start.Actions).toEqual([
      { JobName: { Ref: expect.stringMatching(/^LoadJob/) }, Arguments: { '--confirm-env': 'prod' } },
    ]);
  });

  test('dev, qa and uat workflows pass no confirmation', () => {
    for (const name of ['dev', 'qa', 'uat'] as const) {
      expect(JSON.stringify(env[name].toJSON())).not.toContain('--confirm-env');
    }
  });
});
