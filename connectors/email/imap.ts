import path from 'node:path';
import type { Connector, PullContext } from '../../src/records/connector.js';
import { SourceInputError } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { createProgress, type SourceProgress } from '../../src/runtime/source-progress.js';
import { contentDigest, MessageLocations, variantId } from './dedupe.js';
import { fetchBatch, parsedContent, UidValidityChanged, type FetchedBatch, type FetchedMessage } from './imap-fetch.js';
import { indexMailbox, type IndexedMessage, type MailboxIndex } from './imap-index.js';
import { connectionSettings, resolveTuning, type ImapSourceOptions, type ImapTuning, type ResolvedTuning } from './imap-options.js';
import { ImapSession } from './imap-session.js';
import { checkpointState, resumePlan, type MailboxPosition } from './imap-state.js';
import { messageRecords } from './message-record.js';
import { imapPartRef, imapRef } from './refs.js';
import { isInWindow, messageTime } from './window.js';
import { YieldedIds } from './yielded-ids.js';

/**
 * The `imap` connector: every message of the window in the configured mailboxes, as
 * `email.message` records (and `calendar.event` for attached invites).
 *
 * Read-only: mailboxes are EXAMINEd, bodies fetched with PEEK. Two passes: a
 * headers-only index of every mailbox (ids and locations), then the bodies in
 * batches, each followed by a checkpoint. A message stored in several mailboxes is
 * one record, yielded at its first location and naming all of them.
 */
export function imapConnector(options: ImapSourceOptions, tuning?: ImapTuning): Connector {
  return { kind: 'imap', pull: (context) => pullImap(options, resolveTuning(tuning), context) };
}

export type ImapLocation = {
  mailbox: string;
  uidValidity: string;
  uid: number;
  internalDate: string | null;
  ref: string;
};

/** File in the state directory listing the ids yielded by the current pull. */
export const YIELDED_IDS_FILE = 'imap-yielded-ids.txt';

interface Tally {
  messages: number;
  events: number;
  duplicates: number;
  outsideWindow: number;
  vanished: number;
}

/** What one pull shares between its mailboxes. */
interface PullState {
  context: PullContext;
  tuning: ResolvedTuning;
  account: string;
  session: ImapSession;
  yielded: YieldedIds;
  positions: Map<string, MailboxPosition>;
  locations: MessageLocations<ImapLocation>;
  tally: Tally;
  progress: SourceProgress;
}

async function* pullImap(options: ImapSourceOptions, tuning: ResolvedTuning, context: PullContext): AsyncGenerator<SourceRecord> {
  const settings = connectionSettings(options);
  const progress = createProgress(context, 'imap');
  const plan = resumePlan(context.resumeState, settings.account, context.window);
  if (plan.note) context.log(plan.note);
  const yielded = await YieldedIds.open(path.join(context.stateDir, YIELDED_IDS_FILE), plan.yieldedIdsBytes);
  const session = new ImapSession(settings, tuning, context.log, () => progress.request());
  const state: PullState = {
    context,
    tuning,
    account: settings.account,
    session,
    yielded,
    positions: new Map(plan.positions),
    locations: new MessageLocations<ImapLocation>(),
    tally: { messages: 0, events: 0, duplicates: 0, outsideWindow: 0, vanished: 0 },
    progress,
  };
  try {
    const mailboxes = await resolveMailboxes(session, options.mailboxes, context);
    // Pass 1, headers only: every mailbox's ids and locations before any record is written.
    const indexes: MailboxIndex[] = [];
    for (const mailbox of mailboxes) {
      context.signal?.throwIfAborted();
      const index = await indexMailbox(session, mailbox, context.window, state.positions.get(mailbox));
      noteUidValidity(state.positions, index, context);
      addLocations(state.locations, index);
      state.tally.outsideWindow += index.outsideWindow;
      indexes.push(index);
    }
    progress.expect(indexes.reduce((sum, index) => sum + index.messages.length, 0));
    // Pass 2, bodies.
    for (const index of indexes) yield* pullMailbox(state, index);
    progress.done();
    const { tally } = state;
    context.log(
      `imap: ${tally.messages} messages and ${tally.events} calendar events from ${indexes.length} mailboxes; ` +
        `copies already pulled: ${tally.duplicates}, outside the window: ${tally.outsideWindow}, ` +
        `deleted during the pull: ${tally.vanished}, reconnections: ${session.reconnects}`,
    );
  } finally {
    await session.close();
    await yielded.close();
  }
}

/** The bodies of one mailbox, batch by batch, a checkpoint after each. */
async function* pullMailbox(state: PullState, indexed: MailboxIndex): AsyncGenerator<SourceRecord> {
  const { context, tuning, session, yielded, tally } = state;
  let index = indexed;
  // The next batch is fetched while this one is parsed and written (one batch ahead, no more).
  const fetchFrom = (cursor: number) => {
    const batch = index.messages.slice(cursor, cursor + tuning.batchSize);
    // A copy of a body already pulled is skipped unread; another body under a known id is read and compared.
    const wanted = batch.filter((entry) => !yielded.has(shapeKey(entry)));
    const fetched = fetchBatch(session, index.path, index.uidValidity, wanted, tuning);
    fetched.catch(() => undefined); // awaited below; this only keeps an abandoned prefetch from being "unhandled"
    return { cursor, batch, skipped: batch.length - wanted.length, fetched };
  };
  let next = index.messages.length ? fetchFrom(0) : null;
  while (next !== null) {
    context.signal?.throwIfAborted();
    let fetched: FetchedBatch;
    try {
      fetched = await next.fetched;
    } catch (error) {
      if (!(error instanceof UidValidityChanged)) throw error;
      // The UIDs indexed are void: index the mailbox again, from UID 1. Messages
      // already yielded are recognised by id and skipped.
      context.log(`${error.message}: reading ${index.path} again; messages already pulled are skipped by Message-ID`);
      const mailboxPath = index.path;
      state.locations.remove((location) => location.mailbox === mailboxPath);
      state.positions.delete(mailboxPath);
      index = await indexMailbox(session, mailboxPath, context.window, undefined);
      addLocations(state.locations, index);
      next = index.messages.length ? fetchFrom(0) : null;
      continue;
    }
    const { batch } = next;
    tally.duplicates += next.skipped;
    const following = next.cursor + batch.length;
    next = following < index.messages.length ? fetchFrom(following) : null;

    tally.vanished += fetched.vanished.length;
    for (const uid of fetched.vanished) context.log(`${index.path} UID ${uid} was deleted from the server during the pull; it is not in the records`);
    for (const message of fetched.messages) {
      if (yielded.has(shapeKey(message.entry))) {
        tally.duplicates++; // a second copy in the same batch
        continue;
      }
      const records = await recordsOfMessage(state, index, message);
      if (records === null) {
        tally.outsideWindow++;
        continue;
      }
      if (records === 'copy') {
        tally.duplicates++;
        continue;
      }
      for (const record of records) yield record;
      tally.messages++;
      tally.events += records.length - 1;
      state.progress.add('messages');
    }
    const last = batch.at(-1);
    if (last) state.positions.set(index.path, { uidValidity: index.uidValidity, lastUid: last.uid });
    await context.checkpoint(checkpointState(state.account, context.window, state.positions, await yielded.flush()));
  }
}

/**
 * The records of one fetched message; null when its parsed Date header puts it outside
 * the window; 'copy' when its body is one already pulled under its id. A different body
 * under an id already pulled is a record of its own, `<id>~sha256:...`, as in eml.
 * Marks what it yields in `state.yielded` (the id, the body's shape and its digest).
 */
async function recordsOfMessage(state: PullState, index: MailboxIndex, message: FetchedMessage): Promise<SourceRecord[] | null | 'copy'> {
  const { context, yielded } = state;
  const { entry } = message;
  const parsed = await parsedContent(message);
  const internalDate = entry.internalDate === null ? null : { at: new Date(entry.internalDate), source: 'internaldate' as const };
  const time = messageTime(parsed.date, internalDate);
  if (time !== null && !isInWindow(time.at, context.window)) return null;
  const ref = imapRef(index.path, index.uidValidity, entry.uid);
  const digest = contentDigest(parsed);
  const known = yielded.has(entry.id);
  yielded.add(shapeKey(entry));
  if (known && yielded.has(digestKey(entry.id, digest))) return 'copy';
  const id = known ? variantId(entry.id, digest) : entry.id;
  if (known) context.log(`warning: ${ref}: Message-ID ${entry.id} was pulled already with a different body; this body is kept as its own record, id ${id}`);
  yielded.add(entry.id);
  yielded.add(digestKey(entry.id, digest));
  const { records, problems } = messageRecords({
    sourceName: context.sourceName,
    observedAt: context.observedAt,
    id,
    ref,
    // A different body names only where it was found; the first one names every copy of its shape.
    locations: known ? locationsFor(state.locations.of(entry.id).filter((location) => location.ref === ref), ref) : locationsFor(state.locations.of(entry.id), ref),
    time,
    parsed,
    partRef: (partId) => imapPartRef(ref, partId),
  });
  for (const problem of problems) context.log(problem);
  return records;
}

/** The ref first (where this record was read), then every other copy. */
function locationsFor(all: ImapLocation[], ref: string): ImapLocation[] {
  const own = all.filter((location) => location.ref === ref);
  return [...own, ...all.filter((location) => location.ref !== ref)];
}

function addLocations(locations: MessageLocations<ImapLocation>, index: MailboxIndex): void {
  for (const message of index.messages) {
    locations.add(message.id, {
      mailbox: index.path,
      uidValidity: index.uidValidity,
      uid: message.uid,
      internalDate: message.internalDate,
      ref: imapRef(index.path, index.uidValidity, message.uid),
    });
  }
}

/** A resumed mailbox whose UIDVALIDITY changed was indexed from UID 1; say so and forget the old position. */
function noteUidValidity(positions: Map<string, MailboxPosition>, index: MailboxIndex, context: PullContext): void {
  const previous = positions.get(index.path);
  if (previous && previous.uidValidity !== index.uidValidity) {
    context.log(
      `UIDVALIDITY of ${index.path} changed from ${previous.uidValidity} to ${index.uidValidity}: reading it again; ` +
        'messages already pulled are skipped by Message-ID',
    );
    positions.delete(index.path);
  }
}

async function resolveMailboxes(session: ImapSession, configured: string[] | undefined, context: PullContext): Promise<string[]> {
  const listed = await session.run('the mailbox list', (client) => client.list());
  const selectable = listed.filter((mailbox) => !mailbox.flags.has('\\Noselect') && !mailbox.flags.has('\\NonExistent'));
  if (configured === undefined) {
    // Everything but spam: a confirmation may sit in Sent, an archive folder or even Trash.
    const chosen = selectable.filter((mailbox) => mailbox.specialUse !== '\\Junk').map((mailbox) => mailbox.path);
    context.log(`imap: reading mailboxes ${chosen.join(', ')}`);
    return chosen;
  }
  const byPath = new Map(selectable.map((mailbox) => [mailbox.path.toUpperCase() === 'INBOX' ? 'INBOX' : mailbox.path, mailbox.path]));
  const missing = configured.filter((name) => !byPath.has(name.toUpperCase() === 'INBOX' ? 'INBOX' : name));
  if (missing.length) {
    throw new SourceInputError(
      `no mailbox ${missing.map((name) => `"${name}"`).join(', ')} on the server; it has: ${selectable.map((mailbox) => mailbox.path).join(', ')}`,
    );
  }
  // A mailbox named twice is read once.
  return [...new Set(configured.map((name) => byPath.get(name.toUpperCase() === 'INBOX' ? 'INBOX' : name) as string))];
}

/** What marks a body shape of an id as pulled (a line of the yielded-ids file; ids hold no spaces). */
function shapeKey(entry: IndexedMessage): string {
  return `${entry.id} shape:${entry.shape}`;
}

/** What marks a body of an id as pulled, by its content. */
function digestKey(id: string, digest: string): string {
  return `${id} sha256:${digest}`;
}
