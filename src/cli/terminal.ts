import { createInterface } from 'node:readline/promises';
import { SafetyRefusal } from '../errors.js';

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
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
