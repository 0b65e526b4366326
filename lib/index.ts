// CDK: the package entry (`import { LockJanitor } from 'tf-lock-janitor'`): the construct and its prop types.

export { JanitorError, PolicyError, UsageError } from '../lambda/core/errors';
export type { Mode, PolicyInput } from '../lambda/core/policy';
export { JanitorStack } from './janitor-stack';
export {
  LockJanitor,
  type LockJanitorProps,
  MAX_POLICY_BYTES,
  type SlackChannel,
  type TeamsChannel,
} from './lock-janitor';
