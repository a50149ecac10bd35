import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SfetlAppSettings } from '../../src/infra/app-settings';
import { SFETL_ENVIRONMENTS, SfetlEnvironment } from '../../src/infra/environments';
import { RunnerBundle } from '../../src/infra/load-job';
import { readRunnerBundle } from '../../src/infra/runner-bundle-file';
import { addSfetlStacks, SfetlStacks } from '../../src/infra/sfetl-app';

/** A small stand-in for dist/runner-bundle.zip (with its .sha256), so construct tests need no bundle build. */
export const FIXTURE_BUNDLE_DIR = path.join(__dirname, '..', 'fixtures', 'infra');

export function fixtureBundle(): RunnerBundle {
  return readRunnerBundle(FIXTURE_BUNDLE_DIR);
}

/** The whole app with the fixture bundle. */
export function testApp(settings: SfetlAppSettings = {}): { app: App; stacks: SfetlStacks } {
  const app = new App();
  const stacks = addSfetlStacks(app, settings, fixtureBundle());
  return { app, stacks };
}

/** Templates of the shared stack and of each environment stack. */
export function appTemplates(settings: SfetlAppSettings = {}): {
  shared: Template;
  env: Record<SfetlEnvironment, Template>;
} {
  const { stacks } = testApp(settings);
  const env = {} as Record<SfetlEnvironment, Template>;
  for (const name of SFETL_ENVIRONMENTS) env[name] = Template.fromStack(stacks.environments[name]);
  return { shared: Template.fromStack(stacks.shared), env };
}

/** An empty stack for one construct. */
export function emptyStack(): Stack {
  return new Stack(new App(), 'Test');
}

/** Every IAM policy statement of a template, resolved. */
export function policyStatements(template: Template): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const resource of Object.values(template.findResources(type))) {
      const document = (resource as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } })
        .Properties.PolicyDocument;
      out.push(...document.Statement);
    }
  }
  return out;
}

/** The statement with this Sid (exactly one). */
export function statementBySid(template: Template, sid: string): Record<string, unknown> {
  const found = policyStatements(template).filter((statement) => statement.Sid === sid);
  if (found.length !== 1) throw new Error(`expected one statement ${sid}, found ${found.length}`);
  return found[0];
}
