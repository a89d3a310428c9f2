import { createInterface } from 'node:readline/promises';
import { SafetyRefusal } from '../errors.js';

/**
 * Colour for a terminal, unless NO_COLOR is set (https://no-color.org) or FORCE_COLOR
 * says 0 or false; FORCE_COLOR=1 (2, 3, true) asks for it even through a pipe, as Node's
 * own tools read it.
 */
export function useColor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR?.trim().toLowerCase();
  if (force === '0' || force === 'false') return false;
  if (env.NO_COLOR) return false;
  if (force !== undefined && force !== '') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function isInteractive(io: { stdin: { isTTY?: boolean }; stdout: { isTTY?: boolean } } = process): boolean {
  return Boolean(io.stdin.isTTY && io.stdout.isTTY);
}

/**
 * Asks one question on the terminal. Ctrl-C or Ctrl-D instead of an answer means "stop":
 * a refusal that says nothing was done (exit 3), not an internal error.
 */
export async function ask(
  question: string,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; terminal: boolean } = { input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) },
): Promise<string> {
  const rl = createInterface(io);
  try {
    return await rl.question(question);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ABORT_ERR') throw error;
    const key = /Ctrl\+D/i.test((error as Error).message) ? 'Ctrl-D' : 'Ctrl-C';
    throw new SafetyRefusal(`stopped at the question (${key}): nothing was answered, and nothing was written or changed.`);
  } finally {
    rl.close();
  }
}
