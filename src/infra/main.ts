// The CDK app (cdk.json: `npx tsx src/infra/main.ts`); its inputs are CDK context keys, see docs/deploy.md.
import { App } from 'aws-cdk-lib';
import { settingsFromContext } from './app-settings';
import { readRunnerBundle } from './runner-bundle-file';
import { addSecurityChecks, addSfetlStacks } from './sfetl-app';

const app = new App();
const settings = settingsFromContext(app.node);
addSfetlStacks(app, settings, readRunnerBundle(settings.bundleDir));
addSecurityChecks(app);
app.synth();
