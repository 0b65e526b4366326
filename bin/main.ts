// The CLI's process entry (`npm run build` adds the shebang): `--version`/`--help` answer at once, else the CLI.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedBundle } from './code-cache';
import { isCommand } from './commands';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const argv = process.argv.slice(2);
const QUICK = new Set(['--version', '--help', '-h', 'help']);
const HELP = new Set(['--help', '-h']);

if (argv.length === 1 && QUICK.has(argv[0])) {
  const { USAGE, VERSION } = require('./usage') as typeof import('./usage');
  process.stdout.write(`${argv[0] === '--version' ? VERSION : USAGE}\n`);
} else if (argv.length === 2 && HELP.has(argv[1]) && isCommand(argv[0])) {
  // `COMMAND --help`: the command's help, still without loading the CLI.
  const { commandHelp } = require('./usage') as typeof import('./usage');
  process.stdout.write(`${commandHelp(argv[0])}\n`);
} else {
  // Installed: the CLI bundled into one file by `npm run build`, compiled through the code cache of the command's
  // last run (bin/code-cache.ts); from the sources (tsx): the modules.
  const bundle = join(__dirname, 'cli.bundle.js');
  const cli: Pick<LoadedBundle<typeof import('./cli')>, 'exports' | 'save'> = existsSync(bundle)
    ? (require('./code-cache') as typeof import('./code-cache')).loadBundle(
        bundle,
        isCommand(argv[0] ?? '') ? argv[0] : 'other',
      )
    : { exports: require('./cli'), save: () => {} };
  cli.exports.main(argv).then((code) => {
    // Interrupted (130/143): calls abandoned in flight must not keep the process alive after the report. A run
    // cut short or refused (2) has compiled little: its cache would be a poor one for the runs after it.
    if (code >= 128) process.exit(code);
    if (code <= 1) cli.save();
    process.exitCode = code;
  });
}
