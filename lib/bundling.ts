// CDK: what the Lambda bundle leaves to the runtime: SDK clients only optional features need.

/**
 * SDK clients the handler loads only when the policy asks for them (S3 lockfiles with `buckets`, the EC2 host
 * check with `evidence.ec2Hosts`). Lambda's Node.js runtimes ship AWS SDK for JavaScript v3, so they stay out of
 * the bundle: it keeps its size (the EC2 client alone is about 550 KB minified), and a janitor without those
 * features never loads them.
 */
export const RUNTIME_PROVIDED_MODULES = ['@aws-sdk/client-s3', '@aws-sdk/client-ec2'] as const;
