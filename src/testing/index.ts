/**
 * `enterprise-activation/testing`: tools for testing an activation, its emulator or its server.
 * Transcripts (docs/transcripts.md): record, replay, compare and show one.
 */
export * from './transcript.js';
