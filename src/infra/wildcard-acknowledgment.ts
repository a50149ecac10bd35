import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each wildcard resource of `statement`, on `scope` (the
 * role or policy that holds it), with the reason why that wildcard is the narrowest grant. Each finding is
 * acknowledged by its own id (`AwsSolutions-IAM5[Resource::…]`, rendered as cdk-nag renders it), so a new
 * wildcard added later is still reported.
 */
export function acknowledgeWildcardResources(scope: IConstruct, statement: iam.PolicyStatement, reason: string): void {
  const stack = Stack.of(scope);
  const json = stack.resolve(statement.toStatementJson()) as { Resource?: unknown };
  const resources = Array.isArray(json.Resource) ? json.Resource : [json.Resource];
  for (const resource of resources) {
    const flat = flattenCfnReference(resource);
    if (flat.includes('*')) {
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
    }
  }
}
