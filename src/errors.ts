/**
 * Typed errors carry the exit code of the README's contract (0, 1, 2, 3, 4). Library code throws
 * them; only src/cli turns them into a message and a process exit.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  refused: 3,
  precondition: 4,
  fileSystem: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class SalvageError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failure,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command-line usage (exit 2). */
export class UsageError extends SalvageError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** One problem in a file the user wrote, with its position. */
export interface Problem {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file;
  return `${where}: ${p.message}`;
}

/** Invalid config or mappings (exit 2): every problem found, not just the first. */
export class InvalidInputError extends SalvageError {
  readonly problems: Problem[];

  constructor(
    readonly what: string,
    problems: Problem[],
  ) {
    // In reading order: file, then line, then column, as an editor would walk them.
    problems = [...problems].sort(
      (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
    );
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${what}: ${count}\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, ExitCode.usage);
    this.problems = problems;
  }
}

/** A safety guard refused; nothing was written (exit 3). */
export class SafetyRefusal extends SalvageError {
  constructor(message: string) {
    super(message, ExitCode.refused);
  }
}

/**
 * The file system refused what salvage needed (exit 5): a job folder it may not read or
 * write, a file where a folder must be, a full disk. Running the same command again
 * changes nothing until the folder or the disk is fixed.
 */
export class FileSystemRefusal extends SalvageError {
  constructor(message: string) {
    super(message, ExitCode.fileSystem);
  }
}

/** A precondition or drift check failed; nothing was written (exit 4). */
export class PreconditionFailed extends SalvageError {
  constructor(message: string) {
    super(message, ExitCode.precondition);
  }
}
