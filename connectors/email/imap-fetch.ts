import type { ImapFlow } from 'imapflow';
import type { IndexedMessage } from './imap-index.js';
import type { ResolvedTuning } from './imap-options.js';
import type { ImapSession } from './imap-session.js';
import { parseEmailOrNote, type ParsedEmail } from './parse-message.js';

/**
 * The body pass for one batch: whole messages with BODY.PEEK[] (imapflow's `source`
 * and `download` both PEEK, and the mailbox is EXAMINEd anyway, so no \Seen flag
 * can change). Small messages come in one FETCH per few megabytes and are parsed
 * later, outside the mailbox lock, while the next batch is on the wire; a large one
 * is streamed by `download()` straight into the parser, never held whole.
 */
export interface FetchedMessage {
  entry: IndexedMessage;
  /** Parsed already (a large message, streamed), or the raw source of a small one. */
  content: { parsed: ParsedEmail } | { source: Buffer };
}

export interface FetchedBatch {
  /** UID ascending. */
  messages: FetchedMessage[];
  /** UIDs that were expunged between the index and the fetch. */
  vanished: number[];
}

/** The mailbox was recreated (or renumbered): its UIDs are no longer the ones indexed. */
export class UidValidityChanged extends Error {
  constructor(
    readonly path: string,
    readonly before: string,
    readonly after: string,
  ) {
    super(`UIDVALIDITY of ${path} changed from ${before} to ${after}`);
    this.name = 'UidValidityChanged';
  }
}

/** Bytes of message source per FETCH of small messages. */
const FETCH_BYTES = 8 * 1024 * 1024;

export function fetchBatch(session: ImapSession, path: string, uidValidity: string, entries: IndexedMessage[], tuning: ResolvedTuning): Promise<FetchedBatch> {
  const description = `the fetch of ${path} UIDs ${entries[0]?.uid ?? ''}-${entries.at(-1)?.uid ?? ''}`;
  return session.examine(path, description, async (client, mailbox) => {
    const current = mailbox.uidValidity.toString();
    if (current !== uidValidity) throw new UidValidityChanged(path, uidValidity, current);
    const messages: FetchedMessage[] = [];
    const vanished: number[] = [];
    const small = entries.filter((entry) => entry.size <= tuning.maxInlineBytes);
    for (const group of byBytes(small, FETCH_BYTES)) {
      const answers = await client.fetchAll(group.map((entry) => entry.uid).join(','), { uid: true, source: true }, { uid: true });
      session.assertAlive(client, description);
      const sources = new Map(answers.map((answer) => [answer.uid, answer.source]));
      for (const entry of group) {
        const source = sources.get(entry.uid);
        if (source === undefined) vanished.push(entry.uid);
        else messages.push({ entry, content: { source } });
      }
    }
    for (const entry of entries.filter((item) => item.size > tuning.maxInlineBytes)) {
      const parsed = await downloadAndParse(client, entry.uid);
      session.assertAlive(client, description);
      if (parsed === null) vanished.push(entry.uid);
      else messages.push({ entry, content: { parsed } });
    }
    messages.sort((a, b) => a.entry.uid - b.entry.uid);
    return { messages, vanished };
  });
}

export async function parsedContent(message: FetchedMessage): Promise<ParsedEmail> {
  return 'parsed' in message.content ? message.content.parsed : parseEmailOrNote(message.content.source);
}

async function downloadAndParse(client: ImapFlow, uid: number): Promise<ParsedEmail | null> {
  const download = await client.download(String(uid), undefined, { uid: true });
  if (!download.content) return null;
  return parseEmailOrNote(download.content);
}

function byBytes(entries: IndexedMessage[], budget: number): IndexedMessage[][] {
  const groups: IndexedMessage[][] = [];
  let current: IndexedMessage[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length > 0 && bytes + entry.size > budget) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.size;
  }
  if (current.length) groups.push(current);
  return groups;
}
