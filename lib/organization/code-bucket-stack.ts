// CDK: one region's code bucket in the central account: the janitor's bundle, readable by the organization only.
import * as path from 'node:path';
import { Aws, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { JanitorError } from '../../lambda/core/errors';
import { acknowledge, wildcardResourceId } from '../nag';
import { janitorCode } from './janitor-code';
import { CODE_KEY_PREFIX } from './names';

/** The default bucket prefix: the central account id keeps the global bucket names unique. */
export const DEFAULT_CODE_BUCKET_PREFIX = `tf-lock-janitor-code-${Aws.ACCOUNT_ID}`;

export interface JanitorCodeStackProps extends StackProps {
  /** The region whose member janitors read this bucket (Lambda takes code only from its own region). */
  readonly region: string;
  /** Only principals of this organization may read the code (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  /** The bucket is named `<prefix>-<region>`. @default DEFAULT_CODE_BUCKET_PREFIX */
  readonly bucketPrefix?: string;
}

/**
 * The code bucket of one region, `<prefix>-<region>`, and the upload of the janitor's bundle into it
 * (BucketDeployment, no manual step). Old bundles stay: a StackSet rollback or a late account still finds its
 * code. The bucket is retained when the stack is deleted, as long as member janitors may still need it.
 */
export class JanitorCodeStack extends Stack {
  readonly bucket: s3.Bucket;
  /** The key of the current bundle, the same in every region's bucket. */
  readonly codeKey: string;

  constructor(scope: Construct, id: string, props: JanitorCodeStackProps) {
    super(scope, id, {
      description: `tf-lock-janitor: the janitor's Lambda code for member accounts in ${props.region}`,
      ...props,
      env: { account: props.env?.account, region: props.region },
    });
    const prefix = props.bucketPrefix ?? DEFAULT_CODE_BUCKET_PREFIX;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: Fn.join('-', [prefix, props.region]),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // SSE-S3: objects under a KMS key would need the key shared too, and Lambda reads the zip as the caller.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudFormation in a member account creates the function as that account's StackSet execution role, and
    // Lambda fetches the zip with the caller's credentials: so any principal of the organization may read it.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationReadsJanitorCode',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.bucket.arnForObjects(`${CODE_KEY_PREFIX}*`)],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    const code = janitorCode();
    const asset = new Asset(this, 'Code', { path: code.directory });
    this.codeKey = `${CODE_KEY_PREFIX}${path.basename(asset.s3ObjectKey)}`;
    if (this.codeKey !== code.key) {
      throw new JanitorError(
        `the code asset is staged as ${asset.s3ObjectKey}, not as ${code.key}; the member template would name a missing key`,
      );
    }
    // extract: false copies the zip itself, as `<prefix><basename of the asset key>`.
    new BucketDeployment(this, 'Upload', {
      sources: [Source.bucket(asset.bucket, asset.s3ObjectKey)],
      destinationBucket: this.bucket,
      destinationKeyPrefix: CODE_KEY_PREFIX,
      extract: false,
      prune: false,
      retainOnDelete: true,
    });
    this.acknowledgeFindings(asset);
  }

  private acknowledgeFindings(asset: Asset): void {
    acknowledge(this.bucket, [
      {
        id: 'AwsSolutions::AwsSolutions-S1',
        reason:
          'The bucket holds only the janitor code zip, written by the deployment and read by CloudFormation in member accounts; CloudTrail records both',
      },
    ]);
    // BucketDeployment's provider: a singleton function at the stack's root, made by aws-cdk-lib.
    const provider = this.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    for (const p of provider) {
      acknowledge(p, [
        {
          id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            "aws-cdk-lib's BucketDeployment provider writes its logs with the AWS basic execution policy",
        },
        {
          id: 'AwsSolutions::AwsSolutions-L1',
          reason: "aws-cdk-lib's BucketDeployment provider chooses its own (Python) runtime",
        },
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
          id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
          reason:
            "aws-cdk-lib's BucketDeployment grants its copy function read on the asset and read/write on this bucket as action groups; it touches only these two buckets",
        })),
        ...[asset.bucket.arnForObjects('*'), this.bucket.arnForObjects('*')].map((arn) => ({
          id: wildcardResourceId(this, arn),
          reason:
            "aws-cdk-lib's BucketDeployment copies the code zip from the CDK asset bucket into this bucket: objects of these two buckets only",
        })),
      ]);
    }
  }
}
