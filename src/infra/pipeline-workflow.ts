import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { PROTECTED_ENVIRONMENTS, SfetlEnvironment } from './environments';

/** Properties of {@link PipelineWorkflow}. */
export interface PipelineWorkflowProps {
  /** The environment the workflow loads into. */
  readonly env: SfetlEnvironment;
  /** The workflow's name. */
  readonly workflowName: string;
  /** The environment's load job. */
  readonly loadJob: glue.IJobRef;
  /** The publish job (shared by the four workflows). */
  readonly publishJob: glue.IJobRef;
  /**
   * A Glue cron expression that starts the workflow, e.g. `cron(0 2 * * ? *)` (UTC).
   * @default - no schedule: the workflow runs on demand only
   */
  readonly schedule?: string;
}

/**
 * One environment's Glue workflow: start → load job → (load ended, whatever its outcome) → publish job.
 *
 * Glue allows one start trigger per workflow: it is a scheduled trigger when a schedule is given, else an
 * on-demand one. Either way `start-workflow-run` (or "Run workflow" in the console) starts a run on demand.
 *
 * The publish step runs after a failed, timed-out or stopped load too: the failure logs of a partly loaded run
 * must reach the Hive tables. A protected environment (prod) gets `--confirm-env <env>` on the workflow's load
 * action only, so a workflow run (and its resume) carries the confirmation while a bare run of the job asks
 * for it (docs/configuration.md#choosing-the-environment).
 */
export class PipelineWorkflow extends Construct {
  /** The load-job states after which the publish job starts. */
  static readonly LOAD_ENDED_STATES = [
    glue.JobState.SUCCEEDED,
    glue.JobState.FAILED,
    glue.JobState.TIMEOUT,
    glue.JobState.STOPPED,
  ];

  readonly workflow: glue.Workflow;
  readonly startTrigger: glue.ITriggerRef;
  readonly publishTrigger: glue.ITriggerRef;

  constructor(scope: Construct, id: string, props: PipelineWorkflowProps) {
    super(scope, id);
    this.workflow = new glue.Workflow(this, 'Workflow', {
      workflowName: props.workflowName,
      description: `sfetl ${props.env}: load into the ${props.env} org, then publish the logs to Hive`,
      // One run at a time: the load's lease lock would refuse a second one anyway.
      maxConcurrentRuns: 1,
    });
    const loadArguments: Record<string, string> = PROTECTED_ENVIRONMENTS.includes(props.env)
      ? { '--confirm-env': props.env }
      : {};
    const loadAction = glue.Action.job(props.loadJob, { arguments: loadArguments });
    const startName = `${props.workflowName}-start`;
    this.startTrigger =
      props.schedule !== undefined
        ? this.workflow.addScheduledTrigger('Start', {
            name: startName,
            description: `Starts the ${props.env} load on schedule (start-workflow-run starts it on demand too)`,
            schedule: glue.TriggerSchedule.expression(props.schedule),
            startOnCreation: true,
            actions: [loadAction],
          })
        : this.workflow.addOnDemandTrigger('Start', {
            name: startName,
            description: `Starts the ${props.env} load (start-workflow-run or "Run workflow")`,
            actions: [loadAction],
          });
    this.publishTrigger = this.workflow.addConditionalTrigger('Publish', {
      name: `${props.workflowName}-publish`,
      description: 'Publishes the logs to Hive once the load has ended, whatever its outcome',
      startOnCreation: true,
      predicate: {
        logical: glue.PredicateLogical.ANY,
        conditions: PipelineWorkflow.LOAD_ENDED_STATES.map((state) => glue.Condition.job(props.loadJob, state)),
      },
      actions: [glue.Action.job(props.publishJob)],
    });
    // The L2 adds an EventBatchingCondition to every conditional trigger; it belongs to EVENT triggers only.
    if (this.publishTrigger instanceof glue.CfnTrigger) {
      this.publishTrigger.addPropertyDeletionOverride('EventBatchingCondition');
    }
  }
}
