import { spawn } from 'node:child_process';
import { writePieces } from './write-pieces.js';

/**
 * The pager a text diff on a terminal goes through: $PAGER, else `less -R` (colours
 * kept). None off a terminal, and none when PAGER is set empty or to `cat`: then the
 * diff is printed, with its summary again at the end so it is not scrolled away.
 */
export function pagerCommand(terminal: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!terminal) return undefined;
  const pager = env.PAGER?.trim();
  if (pager === undefined) return 'less -R';
  return pager === '' || pager === 'cat' ? undefined : pager;
}

/** The shell's "command not found". */
const NOT_FOUND = 127;

/**
 * Writes the pieces into the pager and waits for the reader to quit it. Quitting early
 * stops the writing (writePieces notices the closed pipe). False when the pager could
 * not be started at all (not installed): the caller prints instead.
 */
export async function pageThrough(command: string, pieces: Iterable<string>, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  // As git does: quit at once if it fits one screen (F), keep colours (R), leave the text on screen (X).
  const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...env } });
  // Ctrl-C in the pager reaches salvage too (one process group): the pager decides what it means.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(NOT_FOUND));
    child.on('close', (code) => resolve(code));
  });
  try {
    await writePieces(child.stdin, pieces);
    child.stdin.end();
    return (await exited) !== NOT_FOUND;
  } finally {
    process.off('SIGINT', ignore);
  }
}
