/**
 * `enterprise-activation transcript show FILE` and `transcript diff A B`: a recorded transcript
 * (docs/transcripts.md) as a readable sequence, and the first difference between two.
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { diffTranscripts, formatDifference, formatTranscript } from '../transcript/compare.js';
import { parseTranscript, type Transcript } from '../transcript/transcript.js';
import { NAME, parse, shown, usageError } from './command-line.js';
import { readRegularFile } from './files.js';

export const TRANSCRIPT_USAGE = `usage: ${NAME} transcript show FILE
       ${NAME} transcript diff A B [--time]

show   prints the transcript in FILE (JSON, as recordActivation or recordTranscript wrote it)
       as a readable sequence: time from the start, direction, message type, sequence
       number and size of each frame
diff   prints the first difference between transcripts A and B (entry, field, both
       entries); exit 0 when they agree, 1 when they differ

options:
  --time       diff: compare the entries' times too (by default they are not)
  -h, --help   show this help`;

/** The largest transcript file read: about 100,000 frames with their bytes would be more, which nobody records. */
const MAX_TRANSCRIPT_FILE_BYTES = 64 * 1024 * 1024;

function readTranscript(file: string): Transcript {
  const bytes = readRegularFile(file, MAX_TRANSCRIPT_FILE_BYTES, 'a transcript');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ActivationError('MALFORMED', `${shown(file)} is not a transcript: not UTF-8 text`, { operation: 'read transcript' });
  }
  try {
    return parseTranscript(text);
  } catch (err) {
    if (!isActivationError(err)) throw err;
    throw new ActivationError(
      err.code,
      `${shown(file)} is not a transcript this version reads: ${err.message.replace(/^transcript: /, '')}`,
      {
        operation: 'read transcript',
      },
    );
  }
}

/** Runs `transcript show` or `transcript diff`; the exit code (1 for two transcripts that differ). */
export async function transcript(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' }, time: { type: 'boolean' } }, TRANSCRIPT_USAGE);
  if (values.help) {
    console.log(TRANSCRIPT_USAGE);
    return 0;
  }
  const [action, ...files] = positionals;
  switch (action) {
    case 'show': {
      if (files.length !== 1) throw usageError(`transcript show takes one FILE, not ${files.length}`, TRANSCRIPT_USAGE);
      if (values.time) throw usageError('--time is an option of transcript diff', TRANSCRIPT_USAGE);
      console.log(formatTranscript(readTranscript(files[0] ?? '')));
      return 0;
    }
    case 'diff': {
      const [a, b] = files;
      if (a === undefined || b === undefined || files.length !== 2) {
        throw usageError(`transcript diff takes two files, not ${files.length}`, TRANSCRIPT_USAGE);
      }
      const left = readTranscript(a);
      const right = readTranscript(b);
      const difference = diffTranscripts(left, right, { time: values.time === true });
      if (difference === undefined) {
        console.log(`no difference: ${left.entries.length} entries agree`);
        return 0;
      }
      console.log(formatDifference(difference, [shown(a), shown(b)]));
      return 1;
    }
    case undefined:
      throw usageError('transcript needs show or diff', TRANSCRIPT_USAGE);
    default:
      throw usageError(`unknown transcript action ${shown(action)} (show or diff)`, TRANSCRIPT_USAGE);
  }
}
