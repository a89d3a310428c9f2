import { redactUrlPasswords } from './url-password.js';

/**
 * Every secret salvage resolves is registered here, so that any text leaving the
 * process (logs, errors, reports) can be scrubbed of it as a last line of defence.
 * The first line is never to put secrets in messages at all.
 */
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  // Very short values would redact ordinary words; real keys and passwords are longer.
  if (value.length >= 4) secrets.add(value);
}

/** The secrets registered so far, to hand to a worker thread (it has its own registry). */
export function registeredSecrets(): string[] {
  return [...secrets];
}

/**
 * The shape of a kind of credential (a Stripe secret key, a Google access token),
 * redacted wherever it turns up in output. Its markers are plain substrings every match
 * contains, so that `mightHoldSecret` can skip the regular expression for the text of
 * nearly every record. The pattern must run in time linear in the text, whatever it
 * holds: every value of every source passes here.
 */
export interface CredentialShape {
  readonly markers: readonly string[];
  readonly pattern: RegExp;
}

interface ShapeRedaction {
  markers: readonly string[];
  redact: (text: string, marker: string) => string;
}

/**
 * The shapes the source kinds declare (registered by whoever hands salvage its kinds:
 * loading a config, the CLI, the library entry), each once, in the order registered.
 */
const kindShapes = new Map<string, ShapeRedaction>();

/** A URL keeps its scheme and user: only what stands for the password goes. Known to salvage itself, whatever the kinds. */
const URL_PASSWORDS: ShapeRedaction = { markers: ['://'], redact: redactUrlPasswords };

/** The kinds' shapes first, as they were registered, then the passwords in URLs; kept as one array, read for every value. */
let shapes: readonly ShapeRedaction[] = [URL_PASSWORDS];

export function registerCredentialShape(shape: CredentialShape): void {
  // Every occurrence goes: the pattern is made global whether or not it was written so.
  const pattern = new RegExp(shape.pattern.source, shape.pattern.flags.includes('g') ? shape.pattern.flags : `${shape.pattern.flags}g`);
  const key = `${pattern.flags}/${pattern.source}`;
  if (kindShapes.has(key)) return;
  kindShapes.set(key, { markers: [...shape.markers], redact: (text, marker) => text.replace(pattern, marker) });
  shapes = [...kindShapes.values(), URL_PASSWORDS];
}

export function redact(text: string, marker = '***'): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(marker);
  for (const shape of shapes) out = shape.redact(out, marker);
  return out;
}

/** A cheap test that skips the regular expressions: true when `redact` could change the text. */
export function mightHoldSecret(text: string): boolean {
  for (const { markers } of shapes) if (markers.some((m) => text.includes(m))) return true;
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}

/** Whether a value holds one of the credentials salvage was given (it must never reach a patch). */
export function containsSecret(text: string): boolean {
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}

/** How much text redactPieces gathers before it scrubs and passes it on. */
const REDACT_BLOCK_CHARS = 1 << 16;

/**
 * `redact` for output written a piece at a time (a report too large to be one string):
 * text is gathered into blocks that end just after a whitespace character, scrubbed, and
 * passed on. No credential shape spans whitespace, and no registered secret either
 * unless it holds some (a PEM key); those are kept whole by never cutting inside one,
 * nor closer to the end of what was gathered than such a secret is long.
 */
export function* redactPieces(pieces: Iterable<string>, blockChars = REDACT_BLOCK_CHARS): Generator<string> {
  const spaced = [...secrets].filter((s) => /\s/.test(s));
  if (spaced.length === 0) {
    yield* redactPlainPieces(pieces, blockChars);
    return;
  }
  let gathered = '';
  let checkAt = blockChars;
  for (const piece of pieces) {
    gathered += piece;
    if (gathered.length < checkAt) continue;
    const cut = safeCut(gathered, spaced);
    if (cut === 0) {
      checkAt = gathered.length + blockChars; // no whitespace yet: look again a block later, not at every piece
      continue;
    }
    yield redact(gathered.slice(0, cut));
    gathered = gathered.slice(cut);
    checkAt = blockChars;
  }
  if (gathered !== '') yield redact(gathered);
}

/**
 * redactPieces when no secret holds whitespace: any whitespace is a safe cut. Each piece
 * is scanned for whitespace once, as it arrives, and the pieces are joined only to cut:
 * a 100 MB value without whitespace is neither rescanned nor re-joined at every block.
 */
function* redactPlainPieces(pieces: Iterable<string>, blockChars: number): Generator<string> {
  let held: string[] = [];
  let length = 0;
  let cutAt = 0; // just after the last whitespace held, 0 if none
  for (const piece of pieces) {
    const space = afterLastWhitespace(piece, piece.length, 0);
    if (space > 0) cutAt = length + space;
    held.push(piece);
    length += piece.length;
    if (length < blockChars || cutAt === 0) continue;
    const text = held.join('');
    yield redact(text.slice(0, cutAt));
    const rest = text.slice(cutAt);
    held = rest === '' ? [] : [rest];
    length = rest.length;
    cutAt = 0;
  }
  if (length > 0) yield redact(held.join(''));
}

/** Where text can be split without splitting a secret: just after whitespace; 0 when nowhere yet. */
function safeCut(text: string, spaced: string[]): number {
  const longest = spaced.reduce((n, s) => Math.max(n, s.length), 0);
  // A secret that starts before the cut must end within the text gathered so far.
  let before = text.length - Math.max(0, longest - 1);
  for (;;) {
    const cut = afterLastWhitespace(text, before, 0);
    if (cut === 0) return 0;
    const across = spaced.map((s) => occurrenceAcross(text, s, cut)).find((at) => at >= 0);
    if (across === undefined) return cut;
    before = across; // cut before that occurrence instead
  }
}

/** The position just after the last whitespace character before `before` (and at or after `floor`), or 0. */
function afterLastWhitespace(text: string, before: number, floor: number): number {
  for (let i = Math.min(before, text.length) - 1; i >= floor; i--) {
    if (WHITESPACE.test(text[i] as string)) return i + 1;
  }
  return 0;
}

const WHITESPACE = /\s/;

/** The start of an occurrence of `secret` that begins before `cut` and ends after it, or -1. */
function occurrenceAcross(text: string, secret: string, cut: number): number {
  for (let at = text.indexOf(secret, Math.max(0, cut - secret.length + 1)); at >= 0 && at < cut; at = text.indexOf(secret, at + 1)) {
    if (at + secret.length > cut) return at;
  }
  return -1;
}
