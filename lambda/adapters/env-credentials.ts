// Adapter: the environment-only credential provider the Lambda bundle uses.
import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundle (an esbuild alias in
 * lib/janitor-function.ts). Lambda always hands a function its role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the chain's other providers (SSO, INI,
 * process, IMDS, ...) are dead weight there: about 120 KB of the bundle. The CLI keeps the full chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
