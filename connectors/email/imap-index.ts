import type { ImapFlow } from 'imapflow';
import type { PullWindow } from '../../src/records/connector.js';
import { bodyShape } from './body-shape.js';
import { messageIdentity } from './dedupe.js';
import { parseHeaderBlock, firstField } from './header-fields.js';
import type { ImapSession } from './imap-session.js';
import { isInWindow, isValidDate, messageTime, parseDateHeader, windowSearch, type MessageTime } from './window.js';

/**
 * The headers-only pass over a mailbox: which messages are in the window, and the
 * id of each. It reads a few header fields, never a body, so it is cheap even for a
 * large mailbox, and it lets the body pass list every location of a message in the
 * record of its first copy.
 */
export interface IndexedMessage {
  uid: number;
  id: string;
  size: number;
  internalDate: string | null;
  time: MessageTime | null;
  /** The body's fingerprint (body-shape.ts): copies share it. */
  shape: string;
}

export interface MailboxIndex {
  path: string;
  uidValidity: string;
  /** In the window, UID ascending. */
  messages: IndexedMessage[];
  /**
   * Outside the window: the messages the (day-granular) search left out, and those it
   * found but that are outside once checked to the second. Every message of the mailbox
   * is either in `messages` or counted here.
   */
  outsideWindow: number;
}

const HEADER_FIELDS = ['message-id', 'date', 'from', 'to', 'cc', 'subject'];
/** UIDs per header FETCH: keeps each command line and answer modest. */
const INDEX_CHUNK = 500;

/**
 * Indexes `path`. With `resumeAfter` (the last UID a checkpoint covered, under that
 * UIDVALIDITY) only later UIDs are listed; when UIDVALIDITY changed since, the old
 * UIDs mean nothing and the whole mailbox is listed again.
 */
export function indexMailbox(
  session: ImapSession,
  path: string,
  window: PullWindow,
  resumeAfter: { uidValidity: string; lastUid: number } | undefined,
): Promise<MailboxIndex> {
  return session.examine(path, `the search of ${path}`, async (client, mailbox) => {
    const uidValidity = mailbox.uidValidity.toString();
    const firstUid = resumeAfter && resumeAfter.uidValidity === uidValidity ? resumeAfter.lastUid + 1 : 1;
    const found = await client.search({ ...windowSearch(window), ...(firstUid > 1 ? { uid: `${firstUid}:*` } : {}) }, { uid: true });
    session.assertAlive(client, `the search of ${path}`);
    if (found === false || found === undefined) throw new Error(`the server did not answer the search of ${path}`);
    // `n:*` always includes the highest UID, even below n.
    const uids = found.filter((uid) => uid >= firstUid).sort((a, b) => a - b);
    const messages: IndexedMessage[] = [];
    // What the search did not find is outside the window too, and is counted as such.
    let outsideWindow = (await messagesFrom(client, mailbox.exists, firstUid)) - uids.length;
    for (let start = 0; start < uids.length; start += INDEX_CHUNK) {
      const chunk = uids.slice(start, start + INDEX_CHUNK);
      // fetchAll: the answer is complete before anything else is sent (no command inside a fetch loop).
      const answers = await client.fetchAll(chunk.join(','), { uid: true, size: true, internalDate: true, headers: HEADER_FIELDS, bodyStructure: true }, { uid: true });
      session.assertAlive(client, `the header fetch of ${path}`);
      for (const answer of answers) {
        const fields = parseHeaderBlock(answer.headers?.toString('latin1') ?? '');
        const internalDate = new Date(answer.internalDate ?? Number.NaN);
        const time = messageTime(parseDateHeader(firstField(fields, 'date')), { at: internalDate, source: 'internaldate' });
        if (time !== null && !isInWindow(time.at, window)) {
          outsideWindow++;
          continue;
        }
        const size = answer.size ?? 0;
        messages.push({
          uid: answer.uid,
          id: messageIdentity(fields, size).id,
          size,
          internalDate: isValidDate(internalDate) ? internalDate.toISOString() : null,
          time,
          shape: bodyShape(answer.bodyStructure),
        });
      }
    }
    messages.sort((a, b) => a.uid - b.uid);
    return { path, uidValidity, messages, outsideWindow };
  });
}

/** How many messages have a UID of `firstUid` or more: all of them (EXAMINE's count) on a fresh pull. */
async function messagesFrom(client: ImapFlow, exists: number, firstUid: number): Promise<number> {
  if (firstUid <= 1) return exists;
  const found = await client.search({ uid: `${firstUid}:*` }, { uid: true });
  // `n:*` always includes the highest UID, even below n.
  return found ? found.filter((uid) => uid >= firstUid).length : 0;
}
