import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection at the end of a stage that dropped most of what it held.
 *
 * V8 collects the old generation lazily: on a machine with plenty of memory it lets the
 * heap grow to several times what is live. A million-record reconcile holds well under
 * 1 GB at any moment but left the process at 2-3 GB resident (issue 7). Collecting at the
 * few points where a stage has just let go of its data keeps the process near what it
 * really uses, for a fraction of a second each. Where the runtime does not allow it, this
 * does nothing.
 */
export function collectGarbage(): void {
  gc ??= obtainGc();
  if (gc !== false) gc();
}

let gc: (() => void) | false | undefined;

function obtainGc(): (() => void) | false {
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as () => void) : false;
  } catch {
    return false;
  }
}
