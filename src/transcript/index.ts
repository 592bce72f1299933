/**
 * Transcripts (docs/transcripts.md): record an activation's frames (direction, time, decoded
 * header, type, size, body digest; never a password or key), replay one against a fresh handset
 * or simulator, compare two, and show one as text. Browser-safe. Exported from
 * `enterprise-activation/testing`.
 */
export {
  TRANSCRIPT_FORMAT,
  TRANSCRIPT_VERSION,
  MAX_TRANSCRIPT_ENTRIES,
  LIBRARY_VERSION,
  parseTranscript,
  serializeTranscript,
  entryFrame,
  type ActivationRecipe,
  type Transcript,
  type TranscriptDirection,
  type TranscriptEntry,
  type TranscriptMeta,
} from './transcript.js';
export { TranscriptRecorder, recordTranscript, type RecordedTransport, type TranscriptRecorderOptions } from './recorder.js';
export {
  COMPARED_FIELDS,
  diffEntries,
  diffTranscripts,
  formatDifference,
  formatEntry,
  formatTranscript,
  type DiffOptions,
  type TranscriptDifference,
} from './compare.js';
export { DEFAULT_ACTIVATION_RECIPE, DEFAULT_START_AT, recordActivation, type RecordActivationOptions } from './record-activation.js';
export {
  handsetReplayTarget,
  replayTranscript,
  replayWith,
  serverReplayTarget,
  type HandsetReplayOptions,
  type ReplayOptions,
  type ReplayResult,
  type ReplayServer,
  type ReplayTarget,
} from './replay.js';
