import { createInterface } from 'node:readline/promises';

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

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** Asks one question on the terminal. */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
