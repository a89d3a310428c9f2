import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it, as a pipe to a file would; not a terminal. */
class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * `salvage <args>` in `cwd` without a terminal, as a script or an agent runs it, but in
 * this process and from the source: the exit code main() decides, and what it wrote to
 * its stdout and stderr. NO_COLOR is set, as for the spawned CLI; `env` adds to (or
 * blanks, with '') the process's variables.
 *
 * Anything written to the process's own stdout or stderr while the command runs (a
 * library that bypasses the CLI's streams) is counted in the outcome too, as a real
 * process would show it. What a run of its own would give and this does not: a fresh
 * module state (the secrets registry of src/runtime/secrets.ts keeps what earlier runs
 * registered), so the secrets canary and the tests of the launcher run the binary.
 *
 * Runs one command at a time: it changes the process's working directory while the
 * command runs (vitest runs each test file in a process of its own: pool "forks").
 */
export async function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliOutcome> {
  const stdout = new Captured();
  const stderr = new Captured();
  const stdin = Readable.from([]);
  const previous = process.cwd();
  const writes = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = into(stdout);
  process.stderr.write = into(stderr);
  process.chdir(cwd);
  try {
    const code = await main(args, { stdout, stderr, stdin, env: { ...process.env, NO_COLOR: '1', ...env } });
    await Promise.all([finished(stdout), finished(stderr)]);
    return { code, stdout: stdout.text, stderr: stderr.text };
  } finally {
    process.chdir(previous);
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
  }
}

/** A stand-in for the process's own stream's write(), adding to `captured`. */
function into(captured: Captured): typeof process.stdout.write {
  return ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void) => {
    captured.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) queueMicrotask(() => done());
    return true;
  }) as typeof process.stdout.write;
}

/** Every write taken in (writes are synchronous here, but a caller may have waited on 'drain'). */
function finished(stream: Captured): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}
