import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { appTemplates, emptyStack, statementBySid } from './infra-test-app';
import { OrgSecret } from '../../src/infra/org-secret';

describe('OrgSecret', () => {
  test('the template holds no secret value: Secrets Manager generates a placeholder', () => {
    const stack = emptyStack();
    new OrgSecret(stack, 'Secret', { env: 'qa', secretName: 'sfetl/qa' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'sfetl/qa', GenerateSecretString: {} });
    const [secret] = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(secret.Properties.SecretString).toBeUndefined();
  });

  test('grantRead gives read access to this secret only', () => {
    const stack = emptyStack();
    const secret = new OrgSecret(stack, 'Secret', { env: 'dev', secretName: 'sfetl/dev' });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    secret.grantRead(role);
    expect(statementBySid(Template.fromStack(stack), 'ReadOrgSecret')).toEqual({
      Sid: 'ReadOrgSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: { Ref: expect.stringMatching(/^SecretA720EF05|^Secret/) },
    });
  });

  test('in the app, each environment has its own secret and only its load job reads it', () => {
    const { env } = appTemplates();
    for (const name of ['dev', 'qa', 'uat', 'prod'] as const) {
      const template = env[name];
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `sfetl/${name}` });
      const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0];
      const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
        JSON.stringify(policy).includes('secretsmanager:GetSecretValue'),
      );
      expect(readers).toHaveLength(1);
      expect(JSON.stringify(readers[0])).toContain(`"Ref":"${secretId}"`);
      expect((readers[0] as { Properties: { Roles: unknown[] } }).Properties.Roles).toEqual([
        { Ref: expect.stringMatching(/^LoadJobRole/) },
      ]);
    }
  });
});
