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
