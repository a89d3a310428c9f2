import { FileSystemRefusal } from './errors.js';

interface Failure {
  what: (where: string) => string;
  fix: string;
}

const ANOTHER_JOB = 'or pass --job with a folder it can use';

/** What the file system says, in words, and what fixes it; by Node's error code. */
const FAILURES: Record<string, Failure> = {
  EACCES: { what: (where) => `permission denied on ${where}: the user running salvage${uid()} may not read or write it`, fix: `Make the job folder readable and writable for that user (chown, chmod), ${ANOTHER_JOB}.` },
  EPERM: { what: (where) => `the operating system refused an operation on ${where}`, fix: `Make the job folder writable for the user running salvage${uid()}, ${ANOTHER_JOB}.` },
  EROFS: { what: (where) => `${where} is on a read-only file system`, fix: 'Pass --job with a folder on a writable one.' },
  ENOTDIR: { what: (where) => `${where}: part of this path is a file where salvage needs a folder`, fix: 'Check "job:" in salvage.yaml (or --job): it must name a folder, or a path where one can be made.' },
  EISDIR: { what: (where) => `${where} is a folder where salvage needs a file`, fix: 'Move that folder away, or check the path in salvage.yaml.' },
  ENOSPC: { what: (where) => `the disk is full: no space left on device to write ${where}`, fix: 'Free space on that file system (or pass --job with a folder on another one) and run the command again.' },
  EDQUOT: { what: (where) => `the disk quota is exhausted: no space left to write ${where}`, fix: 'Free space (or pass --job with a folder on another file system) and run the command again.' },
  ELOOP: { what: (where) => `${where} is a loop of symbolic links`, fix: `Fix the link, ${ANOTHER_JOB}.` },
  ENAMETOOLONG: { what: (where) => `${where} is a path longer than the file system allows`, fix: 'Pass --job with a shorter folder path.' },
};

function uid(): string {
  return typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
}

/**
 * A file system error (from node:fs) as the refusal it is, exit 5, naming the path and
 * what to do; undefined for any other error. None of these is fixed by running the same
 * command again, and none is a bug in salvage.
 */
export function fileSystemRefusal(error: unknown, consequence = 'Nothing was written to any database.'): FileSystemRefusal | undefined {
  // Node's own errors carry the system call; an error of salvage's that kept the code has already said what happened.
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).syscall === undefined) return undefined;
  const e = error as NodeJS.ErrnoException;
  const failure = typeof e.code === 'string' ? FAILURES[e.code] : undefined;
  if (!failure) return undefined;
  const how = [e.code, e.syscall].filter(Boolean).join(', ');
  return new FileSystemRefusal(`${failure.what(e.path ?? 'a file of the job folder')} (${how}). ${consequence} ${failure.fix}`);
}

/** Whether an error (of salvage's own too) carries the code of a file system refusal: its exit code is 5. */
export function isFileSystemFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(FAILURES, code);
}
