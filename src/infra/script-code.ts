import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

/**
 * A Glue job script from an asset, readable by the job role as exactly that object: `glue.Code.fromAsset`
 * grants `s3:GetObject*`, `s3:GetBucket*` and `s3:List*` on the whole asset bucket.
 */
export class ScriptCode extends glue.Code {
  /** @param sid the statement's id: one per file when a job reads several (script, `--extra-py-files`) */
  constructor(
    private readonly asset: s3assets.Asset,
    private readonly sid = 'ReadJobScript',
  ) {
    super();
  }

  bind(_scope: Construct, grantable: iam.IGrantable): glue.CodeConfig {
    grantable.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: this.sid,
        actions: ['s3:GetObject'],
        resources: [this.asset.bucket.arnForObjects(this.asset.s3ObjectKey)],
      }),
    );
    return { s3Location: { bucketName: this.asset.s3BucketName, objectKey: this.asset.s3ObjectKey } };
  }
}
