// Doctor adapter: the janitor function's configuration (Lambda GetFunction), found by name or in a stack.
import { type CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, type GetFunctionCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { UsageError } from '../../lambda/core/errors';
import type { FunctionFacts } from './facts';

/** The function's configuration; undefined when no function has that name in the region. */
export async function readFunction(lambda: LambdaClient, name: string): Promise<FunctionFacts | undefined> {
  let out: GetFunctionCommandOutput;
  try {
    out = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
  const c = out.Configuration ?? {};
  const fnName = c.FunctionName ?? name;
  return {
    name: fnName,
    arn: c.FunctionArn ?? '',
    state: c.State,
    stateReason: c.StateReason,
    lastUpdateStatus: c.LastUpdateStatus,
    roleArn: c.Role ?? '',
    env: c.Environment?.Variables ?? {},
    reservedConcurrency: out.Concurrency?.ReservedConcurrentExecutions,
    logGroup: c.LoggingConfig?.LogGroup ?? `/aws/lambda/${fnName}`,
  };
}

/**
 * The janitor function of a CloudFormation stack: among the stack's Lambda functions, the one whose environment
 * holds the janitor's POLICY. Refuses (usage) when the stack has none or several (then `--function` says which).
 */
export async function stackFunction(
  cfn: CloudFormationClient,
  lambda: LambdaClient,
  stack: string,
): Promise<string> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stack, NextToken: token }));
    for (const r of page.StackResourceSummaries ?? [])
      if (r.ResourceType === 'AWS::Lambda::Function' && r.PhysicalResourceId)
        names.push(r.PhysicalResourceId);
    token = page.NextToken;
  } while (token);
  const janitors: string[] = [];
  for (const name of names) {
    const fn = await readFunction(lambda, name);
    if (fn?.env.POLICY !== undefined && fn.env.STATE_TABLE !== undefined) janitors.push(fn.name);
  }
  if (janitors.length === 1) return janitors[0];
  if (janitors.length === 0)
    throw new UsageError(
      `stack ${JSON.stringify(stack)} has no tf-lock-janitor function (of its ${names.length} Lambda functions, none has the janitor's POLICY and STATE_TABLE); pass --function NAME`,
    );
  throw new UsageError(
    `stack ${JSON.stringify(stack)} has ${janitors.length} janitor functions (${janitors.join(', ')}); pass --function NAME to pick one`,
  );
}
