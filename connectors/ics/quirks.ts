/**
 * Vendor quirks in time properties that have one obvious reading, repaired on the
 * unfolded content line before ical.js sees it (which would refuse the line, and with
 * it the file, or leave the time empty). Each repair says what it did.
 *
 * - Outlook: `DTSTART;TZID="W. Europe Standard Time:20200609T090000"`: the quoted
 *   parameter swallowed the value; read as TZID "W. Europe Standard Time", value
 *   20200609T090000.
 * - A `TZID=` prefix inside the value: `DTSTART:TZID=Europe/Oslo:20200609T090000`.
 * - A missing time part: `20200609T0900` (no seconds) gets `00`; `20200609` or
 *   `20200609T` in a date-time property is the date (VALUE=DATE).
 */

const TIME_PROPERTIES = new Set(['dtstart', 'dtend', 'due', 'recurrence-id', 'exdate', 'rdate', 'dtstamp', 'created', 'last-modified']);

interface Parameter {
  name: string;
  /** As written, quotes included. */
  raw: string;
}

interface SplitLine {
  name: string;
  parameters: Parameter[];
  /** Undefined when the line has no ':' outside quotes. */
  value: string | undefined;
}

export interface RepairedLine {
  text: string;
  /** What was read differently from the text as written, for a warning. */
  note: string;
}

/** The line with its quirk repaired, or undefined when it needs nothing (most lines: checked cheaply). */
export function repairContentLine(text: string): RepairedLine | undefined {
  const nameEnd = nameEndOf(text);
  if (nameEnd === -1 || !TIME_PROPERTIES.has(text.slice(0, nameEnd).toLowerCase())) return undefined;
  const split = splitLine(text, nameEnd);
  if (split === undefined) return undefined;
  const notes: string[] = [];
  if (split.value === undefined && !swallowedValue(split, notes)) return undefined;
  prefixedZone(split, notes);
  missingTimePart(split, notes);
  if (notes.length === 0) return undefined;
  return { text: joinLine(split), note: notes.join('; ') };
}

function nameEndOf(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === ';' || char === ':') return i;
  }
  return -1;
}

/** Splits NAME;P=V;P="V":VALUE as ical.js reads it; undefined for a line it would not read either way. */
function splitLine(text: string, nameEnd: number): SplitLine | undefined {
  const split: SplitLine = { name: text.slice(0, nameEnd), parameters: [], value: undefined };
  let i = nameEnd;
  while (text[i] === ';') {
    const equals = text.indexOf('=', i);
    if (equals === -1) return undefined;
    const name = text.slice(i + 1, equals);
    let end = equals + 1;
    if (text[end] === '"') {
      const close = text.indexOf('"', end + 1);
      if (close === -1) return undefined;
      end = close + 1;
    } else {
      while (end < text.length && text[end] !== ';' && text[end] !== ':') end++;
    }
    split.parameters.push({ name, raw: text.slice(equals + 1, end) });
    i = end;
  }
  if (text[i] === ':') split.value = text.slice(i + 1);
  else if (i < text.length) return undefined;
  return split;
}

function joinLine(split: SplitLine): string {
  return `${split.name}${split.parameters.map((p) => `;${p.name}=${p.raw}`).join('')}:${split.value ?? ''}`;
}

function parameter(split: SplitLine, name: string): Parameter | undefined {
  return split.parameters.find((p) => p.name.toLowerCase() === name);
}

function unquoted(raw: string): string {
  return raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
}

const TIME_VALUE = /^\d{8}(?:T\d{0,6}Z?)?$/i;

/** `TZID="W. Europe Standard Time:20200609T090000"`: the last quoted parameter holds `zone:time`. */
function swallowedValue(split: SplitLine, notes: string[]): boolean {
  const last = split.parameters.at(-1);
  if (last === undefined || !last.raw.startsWith('"')) return false;
  const inside = unquoted(last.raw);
  const colon = inside.lastIndexOf(':');
  if (colon === -1) return false;
  const value = inside.slice(colon + 1).trim();
  if (!TIME_VALUE.test(value)) return false;
  const zone = inside.slice(0, colon);
  last.raw = `"${zone}"`;
  split.value = value;
  notes.push(`the quoted ${last.name.toUpperCase()} parameter held the value too; read as ${last.name.toUpperCase()} "${zone}" and value ${value}`);
  return true;
}

/** `DTSTART:TZID=Europe/Oslo:20200609T090000`: the zone written into the value. */
function prefixedZone(split: SplitLine, notes: string[]): void {
  const match = /^TZID=("?)([^":]+)\1:(.+)$/i.exec(split.value ?? '');
  if (match === null) return;
  const [, , zone = '', value = ''] = match;
  const existing = parameter(split, 'tzid');
  if (existing === undefined) {
    split.parameters.push({ name: 'TZID', raw: `"${zone}"` });
    notes.push(`the value starts with TZID=${zone}; read as the TZID parameter`);
  } else if (unquoted(existing.raw) === zone) {
    notes.push(`the value repeats TZID=${zone}; the repetition is dropped`);
  } else {
    // Two zones that disagree: no obvious reading, so the line is left for ical.js to judge.
    return;
  }
  split.value = value;
}

/** A date-time value without seconds, or without any time: completed, with the note. */
function missingTimePart(split: SplitLine, notes: string[]): void {
  const valueType = parameter(split, 'value');
  if (split.value === undefined || (valueType !== undefined && unquoted(valueType.raw).toLowerCase() !== 'date-time')) return;
  const values = split.value.split(',');
  const shortTime = /^(\d{8}T)(\d{2}|\d{4})(Z?)$/i;
  const dateOnly = /^(\d{8})T?$/i;
  if (values.every((v) => dateOnly.test(v))) {
    split.value = values.map((v) => v.slice(0, 8)).join(',');
    if (valueType === undefined) split.parameters.push({ name: 'VALUE', raw: 'DATE' });
    else valueType.raw = 'DATE';
    notes.push(`no time part in ${values.join(',')}; read as the date (a whole day)`);
    return;
  }
  if (!values.some((v) => shortTime.test(v))) return;
  split.value = values.map((v) => v.replace(shortTime, (_, date: string, time: string, zone: string) => `${date}${time.padEnd(6, '0')}${zone}`)).join(',');
  notes.push(`time without ${values.some((v) => /T\d{2}Z?$/i.test(v)) ? 'minutes and ' : ''}seconds in ${values.join(',')}; read as :00`);
}

/**
 * The text of a piece of a calendar (folded as in the file) with every quirk repaired:
 * its lines unfolded (as ical.js unfolds them) and joined again with CRLF, so that a
 * repaired line needs no refolding. Text with no quirk comes back as it was.
 */
export function repairCalendarText(text: string, onRepair: (original: string, repaired: RepairedLine) => void): string {
  const physical = text.split('\n');
  const lines: string[] = [];
  for (const raw of physical) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const first = line.charAt(0);
    if ((first === ' ' || first === '\t') && lines.length > 0) lines[lines.length - 1] += line.slice(1);
    else lines.push(line);
  }
  let changed = false;
  const repaired = lines.map((line) => {
    const fix = repairContentLine(line);
    if (fix === undefined) return line;
    changed = true;
    onRepair(line, fix);
    return fix.text;
  });
  return changed ? repaired.join('\r\n') : text;
}
