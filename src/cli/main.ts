/**
 * The command line's dispatch: which command runs, `--help` and `--version`, and the one place
 * where a failure becomes a line on stderr and an exit code (see src/cli.ts for the codes).
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { NAME, isUsageError, parse, shown, usageError } from './command-line.js';
import { inspect } from './inspect.js';
import { makeEtp } from './make-etp.js';
import { version } from './version.js';

const USAGE = `usage: ${NAME} <command> [options]

commands:
  inspect FILE   show the cleartext header of an ETP.DAT, of a frame that carries one,
                 or of an activation mail (.eml) with an ETP.DAT attachment
  make-etp       write a real ETP.DAT for an email address, PIN and activation password
  serve          run a BES simulator behind the relay, with metrics, until stopped
  fleet          activate many simulated handsets against a serve (or in process),
                 with latency percentiles per phase
  transcript     show a recorded activation transcript (show FILE), or the first
                 difference between two (diff A B)

options:
  -h, --help     show this help; "${NAME} <command> --help" shows a command's
  -v, --version  print the version

exit codes: 0 success, 1 the command failed, 2 bad command line`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'inspect':
      return inspect(rest);
    case 'make-etp':
      return makeEtp(rest);
    // Loaded when run: they reach the simulator and the handset, which inspect and make-etp do not
    // need (and a static import would merge the build's chunks, see src/serve/load.ts).
    case 'serve':
      return (await import('./serve.js')).serve(rest);
    case 'fleet':
      return (await import('./fleet.js')).fleet(rest);
    case 'transcript':
      return (await import('./transcript.js')).transcript(rest);
    case undefined:
      throw usageError('no command given', USAGE);
  }
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } }, USAGE);
  const [unknown] = positionals;
  if (unknown !== undefined) throw usageError(`unknown command ${shown(unknown)}`, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    console.log(version());
    return 0;
  }
  throw usageError('no command given', USAGE);
}

/** Runs the command; the one place where a failure becomes a line on stderr and an exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (caught) {
    const err = isActivationError(caught)
      ? caught
      : new ActivationError('INVALID_STATE', `unexpected failure (${caught instanceof Error ? caught.name : typeof caught})`, {
          operation: 'cli',
        });
    console.error(`${NAME}: ${err.message.replace(/\s+/g, ' ')} [${err.code}]`);
    if (isUsageError(err)) {
      console.error('');
      console.error(String(err.cause?.usage));
      return 2;
    }
    return 1;
  }
}
