/** Reading and writing the files a command is given, every failure an ActivationError that says why. */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { MAX_ETP_MAIL_BYTES } from '../node/mail/etp-mail.js';
import { shown } from './command-line.js';

const FILE_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  EEXIST: 'it exists (use --force to replace it)',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
};

export function fileError(action: 'read' | 'write', file: string, err: unknown): ActivationError {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'unknown';
  const reason = FILE_REASONS[code] ?? `error ${code}`;
  return new ActivationError('INVALID_ARGUMENT', `cannot ${action} ${shown(file)}: ${reason}`, {
    operation: `${action} file`,
    reason: code,
  });
}

/** Reads a regular file of at most MAX_ETP_MAIL_BYTES (a mail is the largest of the three forms `inspect` reads). */
export function readInput(file: string): Uint8Array {
  return readRegularFile(file, MAX_ETP_MAIL_BYTES, 'an activation mail');
}

/**
 * Reads a regular file of at most `limit` bytes; `what` names what may have that many in the
 * message (e.g. "an activation mail"). A FIFO, a directory or anything else is refused.
 */
export function readRegularFile(file: string, limit: number, what: string): Uint8Array {
  let fd: number;
  try {
    // Non-blocking, so that a FIFO (which would wait for a writer) is refused below instead.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fileError('read', file, err);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw fileError('read', file, { code: 'EISDIR' });
    if (!stat.isFile()) {
      throw new ActivationError('INVALID_ARGUMENT', `cannot read ${shown(file)}: not a regular file`, {
        operation: 'read file',
        reason: 'not a file',
      });
    }
    if (stat.size > limit) {
      throw new ActivationError('MALFORMED', `${shown(file)} has ${stat.size} bytes, more than the ${limit} ${what} may have`, {
        operation: 'read file',
        reason: 'oversized',
        size: stat.size,
      });
    }
    return new Uint8Array(readFileSync(fd));
  } catch (err) {
    throw isActivationError(err) ? err : fileError('read', file, err);
  } finally {
    closeSync(fd);
  }
}
