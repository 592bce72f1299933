#!/usr/bin/env node
/**
 * The `enterprise-activation` command (Node only, ESM only).
 *
 *   enterprise-activation inspect FILE     what an ETP.DAT, a frame or an activation mail holds
 *   enterprise-activation make-etp ...     writes a real ETP.DAT, so that there is one to inspect
 *   enterprise-activation serve ...        a BES simulator behind the relay, until stopped
 *   enterprise-activation fleet ...        many handsets against a serve, with percentiles
 *   enterprise-activation transcript ...   show a recorded transcript, or diff two
 *
 * One file per command in src/cli/; src/cli/main.ts dispatches.
 *
 * Only the cleartext header of an ETP.DAT can be shown: the handset's network routing (relay,
 * carrier UID, previous SRP id), its keys and device details are in the sealed body, which only a
 * server that proved the activation password can open (docs/protocol.md, message 1).
 *
 * Exit codes: 0 success; 1 the command failed (a file that cannot be read or written, input that
 * is not what it should be); 2 the command line is wrong (unknown option, missing or extra
 * argument, bad value), with the usage on stderr. Every failure is an ActivationError inside, and
 * the one line printed is its message and code; never a stack.
 */
import { run } from './cli/main.js';

process.exitCode = await run(process.argv.slice(2));
