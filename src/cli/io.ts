import type { Readable, Writable } from 'node:stream';

/**
 * What the CLI reads and writes besides its arguments: the process's own streams and
 * environment when salvage runs as a command; others when a test runs the CLI in its own
 * process, to see its output and exit code without starting a Node for every command.
 * The working directory is not here: relative paths resolve against the process's, as
 * everywhere in salvage.
 */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
