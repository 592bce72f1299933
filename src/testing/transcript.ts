/** The transcript part of `enterprise-activation/testing`: everything of src/transcript/ (docs/transcripts.md). */
export * from '../transcript/index.js';
// Types its signatures name, so that this entry is complete on its own (the root entry has them too).
export { MESSAGE_TYPES, type MessageType } from '../wire/frame.js';
export type { FrameHandler, FrameMeta, Transport } from '../transport/transport.js';
