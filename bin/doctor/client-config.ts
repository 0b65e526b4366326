// CLI: the options of every SDK client of `doctor` and `test-alert`.
import { awsClientConfig } from '../../lambda/adapters/aws-client-config';

/** One client's options: the janitor's timeouts, 3 attempts, and `--profile` (the SDK reads its credentials). */
export function doctorClientConfig(region: string, profile?: string) {
  return { ...awsClientConfig({ region, maxAttempts: 3 }), ...(profile ? { profile } : {}) };
}
