import * as path from 'node:path';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

/** The file name of the module both Glue jobs import. */
export const SHARED_MODULE_FILE = 'sfetl_glue_job.py';

/**
 * A Glue job script (or a file it imports) from an asset, readable by the job role as exactly that object:
 * `glue.Code.fromAsset` grants `s3:GetObject*`, `s3:GetBucket*` and `s3:List*` on the whole asset bucket.
 */
export class ScriptCode extends glue.Code {
  /**
   * The Python module both Glue jobs import (`glue-scripts/sfetl_glue_job.py`), for `extraPythonFiles`
   * (`--extra-py-files`): Python shell puts a `.py` file given there on the script's Python path, see
   * "Providing your own Python library" in https://docs.aws.amazon.com/glue/latest/dg/add-job-python.html
   */
  static sharedModule(scope: Construct, scriptsDir: string): ScriptCode {
    const asset = new s3assets.Asset(scope, 'SharedModule', { path: path.join(scriptsDir, SHARED_MODULE_FILE) });
    return new ScriptCode(asset, 'ReadSharedModule');
  }

  /**
   * @param asset the file
   * @param sid the statement id of the read grant (unique within the job role's policy)
   */
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
