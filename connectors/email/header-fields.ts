/**
 * A minimal reader for a raw RFC 5322 header block, for the passes that only need a
 * few header fields (Message-ID, Date...) and must not parse the whole message.
 * Values are unfolded and whitespace-collapsed but not decoded: they are used for
 * identity and coarse filtering, never shown as content.
 */

/** Lower-cased field name -> every value in order of appearance. */
export type HeaderFields = Map<string, string[]>;

export function parseHeaderBlock(block: string): HeaderFields {
  const fields: HeaderFields = new Map();
  let name: string | undefined;
  let value = '';
  const flush = () => {
    if (name === undefined) return;
    const list = fields.get(name) ?? [];
    list.push(value.replace(/\s+/g, ' ').trim());
    fields.set(name, list);
  };
  for (const line of block.split(/\r?\n/)) {
    if (line === '') break; // the end of the header block
    if (/^[ \t]/.test(line)) {
      // A folded continuation belongs to the field before it.
      value += ` ${line}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) {
      name = undefined; // not a header line (an mbox postmark, garbage): ignored
      continue;
    }
    name = line.slice(0, colon).trim().toLowerCase();
    value = line.slice(colon + 1);
  }
  flush();
  return fields;
}

export function firstField(fields: HeaderFields, name: string): string | null {
  const value = fields.get(name)?.[0];
  return value === undefined || value === '' ? null : value;
}

/** The header block of a raw message: everything before the first empty line. */
export function headerBlockOf(raw: Buffer | string): string {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

/** The fields the headers pass reads: identity (dedupe.ts) and time (window.ts), as imap-index fetches. */
const PASS_FIELDS = new Set(['message-id', 'date', 'from', 'to', 'cc', 'subject']);

/** Kept lines beyond this are dropped: a hostile block of a million To: lines stays bounded. */
const MAX_PASS_BYTES = 256 * 1024;

/**
 * The header block of a file message as the headers pass needs it, fed line by line:
 * only the lines of PASS_FIELDS (with their folded continuations), wherever they are.
 * Relays put their Received fields on top, so in a block of a megabyte of them (a mail
 * loop, a spam trace) the Message-ID and Date come last: keeping the first bytes of the
 * block would miss the very fields the pass is for.
 */
export class PassFieldLines {
  private readonly lines: string[] = [];
  private bytes = 0;
  private keeping = false;

  /** One line of the header block, without its line end. */
  add(line: string): void {
    if (!/^[ \t]/.test(line)) {
      const colon = line.indexOf(':');
      this.keeping = colon > 0 && PASS_FIELDS.has(line.slice(0, colon).trim().toLowerCase());
    }
    if (!this.keeping || this.bytes >= MAX_PASS_BYTES) return;
    this.lines.push(line);
    this.bytes += line.length + 1;
  }

  /** The kept lines as a block for parseHeaderBlock. */
  block(): string {
    return this.lines.join('\n');
  }
}
