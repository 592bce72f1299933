/** The transcript part of `enterprise-activation/testing`: everything of src/transcript/ (docs/transcripts.md). */
export * from '../transcript/index.js';
