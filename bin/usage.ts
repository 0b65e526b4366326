// CLI: the version and the usage text, apart from the commands: `--version` and `--help` load nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** This package's version, from its package.json: `../` from the sources, `../../` from `dist/bin`. */
export const VERSION: string = packageVersion();

function packageVersion(): string {
  for (const up of ['..', join('..', '..')]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as PackageJson;
      if (pkg.name === 'tf-lock-janitor' && pkg.version) return pkg.version;
    } catch {
      // Not this directory: try the next one up.
    }
  }
  return 'unknown';
}

type PackageJson = { name?: string; version?: string };

export const USAGE = `Usage: tf-lock-janitor <command> [flags]

Commands:
  list     list every lock in every lock table (and in the policy's state buckets, with --policy)
  sweep    judge every lock with a policy and act on it (report, alert or delete)
  release  release one lock safely (its lock ID must match)
  demo     run the janitor against an embedded DynamoDB engine (no AWS account needed)
  doctor   check a deployed janitor end to end, read-only (tf-lock-janitor doctor --help)
  test-alert  ask a deployed janitor to send one labelled test notification (e-mail and chat)

Flags:
  --region R          AWS region; repeat for several (default: the policy's regions, else AWS_REGION)
  --endpoint URL      send every DynamoDB and S3 call to this compatible server (S3 path-style)
  --json              print the machine-readable report instead of the table
  --version, --help   print the version or this text
  sweep:   --policy FILE (JSON; default: alert after 4h, never delete), --dry-run (mode report),
           --state-table NAME (remember sightings across runs), --topic-arn ARN (publish the alert)
  list:    --policy FILE (only its tables and buckets are read)
  release: --id LOCK_ID and --table T --lock-id LOCKID (a lock item) and/or --bucket B --key KEY.tflock
           (a lockfile; both: the two halves of a double lock) [--policy FILE] [--state-table NAME]
           [--topic-arn ARN]
           (the release stays inside the policy's regions, tables and opt-out tag, as a sweep does)

Ctrl-C (SIGINT) or SIGTERM: reading stops, calls in flight get 1 s and are then abandoned, the partial
report is printed (a second signal exits at once).
Exit codes: 0 done, 1 finished with errors (or not released), 2 bad usage or configuration,
130/143 interrupted by SIGINT/SIGTERM (after the partial report).`;
