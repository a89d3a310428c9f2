/**
 * Pulls one time slice of one list: pages through it newest first with
 * `starting_after`, and hands parts of it to idle workers as it goes.
 *
 * A slice's objects are kept until the whole slice is read and only then given out,
 * so a slice that fails half way leaves nothing behind and is simply pulled again:
 * that is what makes retries exactly-once. Two ways keep this cheap:
 * - splitting: when more concurrency would help, the unread older part of the slice
 *   becomes a slice of its own (this is where the concurrency comes from, without
 *   knowing in advance where in the window the objects are);
 * - cutting: when a slice has collected `maxObjects`, it ends at the page it is on
 *   and the rest becomes a new slice (bounding memory, and making checkpoints
 *   frequent enough that an interrupted pull loses little).
 * Both keep the requests of a slice on its original `created` filter and cursor (the
 * cursor is only defined for the filter it was issued under) and drop whatever a
 * page returns below the slice's new lower border: those objects belong to the
 * other slice.
 */
import type { Page, PageRequest } from './page-fetcher.js';
import type { StripeObject } from './objects.js';
import type { UnreadableObject } from './object-shape.js';
import type { TimeSlice } from './slices.js';

export interface SliceWorkQueue {
  /** How many more slices would be started at once and make the pull faster (0: none). */
  spareCapacity(): number;
  enqueue(slice: TimeSlice): void;
}

export interface PulledSlice {
  /** The range this result covers completely: every object created in it, exactly once. */
  slice: TimeSlice;
  /** Newest first, as listed. */
  objects: StripeObject[];
  /**
   * The slice's objects that cannot be read, to reject once the slice is done (a slice
   * pulled again rejects nothing twice). One with no readable `created` cannot be placed
   * in a slice: it is kept by each slice whose page shows it, and rejected once by id.
   */
  unreadable: UnreadableObject[];
}

/** A slice failed; `remaining` is the part not handed to other slices, to be pulled again whole. */
export class SliceFailedError extends Error {
  constructor(
    readonly remaining: TimeSlice,
    readonly reason: unknown,
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = 'SliceFailedError';
  }
}

/** A split-off part should hold at least this many pages: each slice's last page is a partial one. */
const MIN_PAGES_PER_PART = 2;

export interface SlicePullerOptions {
  fetchPage(request: PageRequest): Promise<Page>;
  queue: SliceWorkQueue;
  /** Collect at most about this many objects before cutting the slice. */
  maxObjects: number;
}

export async function pullSlice(slice: TimeSlice, options: SlicePullerOptions): Promise<PulledSlice> {
  const { queue } = options;
  // Objects below `lower` belong to slices split off from this one.
  let lower = slice.gte;
  let objects: StripeObject[] = [];
  let unreadable: UnreadableObject[] = [];
  let cursor: string | undefined;

  for (;;) {
    let page: Page;
    try {
      page = await options.fetchPage({ gte: slice.gte, lt: slice.lt, startingAfter: cursor });
    } catch (error) {
      throw new SliceFailedError({ ...slice, gte: lower }, error);
    }
    let reachedLower = false;
    for (const object of page.objects) {
      const created = object.created as number;
      if (created < lower) {
        reachedLower = true;
        break;
      }
      // Outside the filter: a misbehaving server or proxy; taking it would break exactly-once.
      if (created >= slice.lt) continue;
      objects.push(object);
    }
    for (const item of page.unreadable) {
      if (item.created === undefined || (item.created >= lower && item.created < slice.lt)) unreadable.push(item);
    }
    if (reachedLower || !page.hasMore || page.cursor === undefined) {
      return { slice: { ...slice, gte: lower }, objects, unreadable };
    }
    cursor = page.cursor;
    const last = page.objects[page.objects.length - 1];
    // A page of unreadable objects only: nothing to split or cut by, page on.
    if (last === undefined) continue;
    const oldest = last.created as number;

    const newest = objects[0]?.created;
    if (objects.length >= options.maxObjects && newest !== undefined && newest > oldest) {
      // End this slice above the page's oldest second: objects created in that second
      // may continue on the next page, so the whole second goes to the rest-slice.
      queue.enqueue({ kind: slice.kind, gte: lower, lt: oldest + 1, attempt: 1 });
      objects = objects.filter((object) => (object.created as number) > oldest);
      unreadable = unreadable.filter((item) => item.created === undefined || item.created > oldest);
      return { slice: { ...slice, gte: oldest + 1 }, objects, unreadable };
    }
    lower = splitOff(slice, lower, page, queue);
  }
}

/**
 * Hands older parts of what is left of a slice to other workers, as many as would
 * start at once, but none smaller than a couple of pages by the density of the page
 * just read. Returns the slice's new lower border. Every border is at most the page's
 * oldest second, so this slice keeps everything from there on, including the rest of
 * that second on the next pages.
 */
function splitOff(slice: TimeSlice, lower: number, page: Page, queue: SliceWorkQueue): number {
  const newest = page.objects[0]?.created as number;
  const oldest = page.objects[page.objects.length - 1]?.created as number;
  if (oldest - lower < 2) return lower;
  const spare = queue.spareCapacity();
  if (spare <= 0) return lower;
  const secondsPerPage = Math.max(1, newest - oldest);
  const pagesLeft = (oldest - lower) / secondsPerPage;
  const parts = Math.min(spare + 1, Math.floor(pagesLeft / MIN_PAGES_PER_PART), oldest - lower);
  if (parts < 2) return lower;
  const borders = Array.from({ length: parts + 1 }, (_, i) => lower + Math.floor(((oldest - lower) * i) / parts));
  for (let i = 0; i < parts - 1; i++) {
    queue.enqueue({ kind: slice.kind, gte: borders[i] as number, lt: borders[i + 1] as number, attempt: 1 });
  }
  return borders[parts - 1] as number;
}
