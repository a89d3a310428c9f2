/**
 * Text in the encoding its exporter wrote it in. iconv-lite, not TextDecoder: on Node
 * 20.20 `new TextDecoder('windows-1252')` decodes as strict latin1 (a Node regression),
 * turning €, curly quotes and dashes into invisible C1 control characters, where
 * iconv-lite (which mailparser already decodes bodies with) reads them as written.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import iconv from 'iconv-lite';

/** True for any label iconv-lite knows: `utf8`, `windows-1252`, `cp1252`, `latin1`, `utf16le`, `shift_jis`... */
export function isKnownEncoding(label: string): boolean {
  return iconv.encodingExists(label);
}

/**
 * A file's text as a stream of strings; characters split across chunks are joined. UTF-8
 * goes through Node's own decoder (correct, and faster than iconv-lite's), every other
 * encoding through iconv-lite.
 */
export function readTextStream(absolutePath: string, label: string, options: { highWaterMark?: number } = {}): { bytes: ReadStream; text: NodeJS.ReadableStream } {
  if (isUtf8Label(label)) {
    const bytes = createReadStream(absolutePath, { ...options, encoding: 'utf8' });
    return { bytes, text: bytes };
  }
  const bytes = createReadStream(absolutePath, options);
  const text = bytes.pipe(iconv.decodeStream(label));
  bytes.on('error', (error) => text.emit('error', error));
  return { bytes, text };
}

function isUtf8Label(label: string): boolean {
  const normal = label.toLowerCase().replace(/[^a-z0-9]/g, '');
  return normal === 'utf8' || normal === 'unicode11utf8';
}

export function decodeBytes(bytes: Buffer, label: string): string {
  return iconv.decode(bytes, label);
}

const LATIN1_LABELS = new Set(['latin1', 'iso88591', 'l1', 'isoir100', 'cp819', 'ibm819', 'binary']);

/** Labels that mean strict ISO-8859-1, where bytes 0x80–0x9F become C1 control characters. */
export function isLatin1Label(label: string): boolean {
  return LATIN1_LABELS.has(label.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

const C1_CONTROL = /[\u0080-\u009F]/;

/** Text decoded as latin1 that holds U+0080–U+009F was almost surely windows-1252. */
export function hasC1Controls(text: string): boolean {
  return C1_CONTROL.test(text);
}

export const C1_ADVICE =
  'holds invisible control characters (U+0080–U+009F) after decoding as latin1: the export is probably windows-1252 ' +
  '(Excel and Outlook on Windows), where those bytes are € ‚ „ … ‘ ’ “ ” – —; set encoding: windows-1252';
