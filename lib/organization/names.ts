// CDK: the fixed names that tie the central deployment to the janitors it deploys into member accounts.

/** The member janitor's function name, the same in every account and region (the central release calls it). */
export const MEMBER_FUNCTION_NAME = 'tf-lock-janitor';

/**
 * The IAM path of the roles the StackSet creates in member accounts. The central topic, key and event bus
 * admit only roles on this path (`aws:PrincipalArn`), and IAM role names are global, so each name carries
 * its region.
 */
export const MEMBER_ROLE_PATH = '/tf-lock-janitor/';

/** The member janitor's role name in one region (IAM names are account-wide; the StackSet deploys per region). */
export const memberRoleName = (region: string) => `janitor-${region}`;

/** The member role that forwards the janitor's alarm state changes to the central event bus. */
export const alarmForwarderRoleName = (region: string) => `alarms-${region}`;

/** The central release function: short and fixed, since the chat button's command names it. */
export const CENTRAL_RELEASE_FUNCTION_NAME = 'tf-lock-janitor-release';

/** The StackSet's name (unique per account and region of the central deployment). */
export const STACK_SET_NAME = 'tf-lock-janitor';

/** The key prefix of the janitor's code in the per-region code buckets. */
export const CODE_KEY_PREFIX = 'tf-lock-janitor/';

/** `arn:<partition>:iam::*:role/tf-lock-janitor/<name>`: member roles of any account, by name pattern. */
export const memberRoleArnPattern = (partition: string, namePattern: string) =>
  `arn:${partition}:iam::*:role${MEMBER_ROLE_PATH}${namePattern}`;
