// Doctor adapter: runs the access simulations (IAM SimulatePrincipalPolicy) for the janitor's role.
import { type IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import type { AccessRequest } from './access-requests';
import { type AccessFacts, NOT_EVALUATED } from './facts';

/** One simulation per place; an action whose decision is not `allowed` is listed as denied, with the decision. */
export async function simulateAccess(
  iam: IAMClient,
  roleArn: string,
  requests: readonly AccessRequest[],
): Promise<AccessFacts[]> {
  const results: AccessFacts[] = [];
  for (const request of requests) {
    const out = await iam.send(new SimulatePrincipalPolicyCommand(simulation(roleArn, request)));
    const evaluated = out.EvaluationResults ?? [];
    const denied = evaluated
      .filter((r) => r.EvalDecision !== 'allowed')
      .map((r) => ({ action: r.EvalActionName ?? '?', decision: r.EvalDecision ?? 'unknown' }));
    // An action the answer leaves out (a truncated page, an odd answer) was not shown to be allowed.
    const answered = new Set(evaluated.map((r) => r.EvalActionName));
    for (const action of request.actions)
      if (!answered.has(action)) denied.push({ action, decision: NOT_EVALUATED });
    results.push({ place: request.place, denied });
  }
  return results;
}

/** The SimulatePrincipalPolicy input for one place (exported: the test pins it, since no engine here simulates IAM). */
export function simulation(roleArn: string, request: AccessRequest) {
  return {
    PolicySourceArn: roleArn,
    ActionNames: [...request.actions],
    ResourceArns: [request.resourceArn],
    ...(request.context.length
      ? {
          ContextEntries: request.context.map((c) => ({
            ContextKeyName: c.key,
            ContextKeyType: c.type,
            ContextKeyValues: [...c.values],
          })),
        }
      : {}),
  };
}
