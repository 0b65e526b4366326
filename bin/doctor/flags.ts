// CLI: what `doctor` and `test-alert` are pointed at, read from their parsed flags (the command table, bin/commands.ts).
import { usageError } from '../args';
import { resolveRegions } from '../cli-context';
import type { Flags } from '../commands';

/** What both commands are pointed at. */
export type Want = {
  readonly functionName?: string;
  readonly stack?: string;
  readonly region: string;
  /** `--profile`: the SDK takes credentials (and, without --region, the region) from it. */
  readonly profile?: string;
  readonly json: boolean;
};

/** The janitor `doctor` or `test-alert` is pointed at; every mistake is a one-line usage error (exit 2). */
export async function wantOf(
  command: 'doctor' | 'test-alert',
  flags: Flags,
  args: readonly string[],
): Promise<Want> {
  if (args.length)
    throw usageError(`${command} takes no argument, but got ${JSON.stringify(args[0])}`, command);
  if ((flags.function === undefined) === (flags.stack === undefined))
    throw usageError(
      `${command}: name the janitor with --function NAME or --stack NAME (one of them)`,
      command,
    );
  if (flags.output === 'tsv')
    throw usageError(
      `${command} prints a checklist, not a table of locks: --output takes table or json here`,
      command,
    );
  const regions = await resolveRegions({ region: flags.region, profile: flags.profile });
  if (regions.length > 1)
    throw usageError(`${command} works on one janitor in one region: pass --region once`, command);
  return {
    ...(flags.function !== undefined ? { functionName: flags.function } : {}),
    ...(flags.stack !== undefined ? { stack: flags.stack } : {}),
    region: regions[0],
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    json: flags.output === 'json',
  };
}
