import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection at the end of a stage that dropped most of what it held.
 *
 * V8 collects the old generation lazily: on a machine with plenty of memory it lets the
 * heap grow to several times what is live, so a large reconcile leaves the process
 * resident at a multiple of what it holds at any moment. Collecting at the
 * few points where a stage has just let go of its data keeps the process near what it
 * really uses, for a fraction of a second each. Where the runtime does not allow it, this
 * does nothing.
 */
export function collectGarbage(): void {
  gc ??= obtainGc();
  if (gc !== false) gc();
  liveAfterLast = process.memoryUsage().heapUsed;
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

/**
 * Resident size above which long loops collect (MB); `SALVAGE_MEMORY_MB` overrides. Low
 * enough that a reconcile of a million records, which holds far less than this, stays
 * near half a gigabyte: V8 alone lets the heap grow to a few times what is live.
 */
const SOFT_LIMIT = (Number(process.env.SALVAGE_MEMORY_MB) || 400) * 1048576;
const CHECK_EVERY = 16_384;
/**
 * The least growth of the heap that is worth a full collection. `heapUsed` counts the
 * young generation too, which fills by some 16 MB between its own collections: with a
 * tenth of a small heap as the only bar, a run past the soft limit (off-heap arrays and
 * buffers take much of the resident size) collected the whole heap at nearly every
 * check, for little.
 */
const MIN_GROWTH = 64 * 1048576;
let calls = 0;
let liveAfterLast = 0;

/**
 * Called once per item (or with the item's weight in rows) by the loops that make garbage by the gigabyte (mapping records,
 * decoding candidates, scanning the backup). Every few thousand items it looks at the
 * resident size; above the soft limit, and if the heap has grown by a tenth since the
 * last collection, and by 64 MB at least (so that a run whose live data is itself large
 * does not collect over and over), it collects. Small runs never reach the limit and
 * never pay for it.
 */
export function memoryCheckpoint(weight = 1): void {
  const before = calls;
  calls += weight;
  if (Math.floor(before / CHECK_EVERY) === Math.floor(calls / CHECK_EVERY)) return;
  if (process.memoryUsage.rss() < SOFT_LIMIT) return;
  const { heapUsed } = process.memoryUsage();
  if (heapUsed < Math.max(liveAfterLast * 1.1, liveAfterLast + MIN_GROWTH)) return;
  collectGarbage();
  liveAfterLast = process.memoryUsage().heapUsed;
}
