/**
 * Exact decimal arithmetic for money and ids. A value is an integer of units plus a
 * count of digits after the point (`90.50` is 9050 × 10⁻²), held in a BigInt so that
 * 19-digit cents and `0.1`-style amounts never pass through a float.
 */
export interface Decimal {
  unscaled: bigint;
  /** Digits after the decimal point, as written: `90.50` keeps 2. */
  scale: number;
}

/** How a number is written: the decimal mark and which thousands separators may appear. */
export interface NumberSyntax {
  decimalMark: '.' | ',';
  /** Each entry is one separator kind; a value may use only one kind. */
  groupSeparators: readonly (readonly string[])[];
}

export const PLAIN_SYNTAX: NumberSyntax = { decimalMark: '.', groupSeparators: [] };

/** Spaces used as thousands separators in print: space, no-break space, narrow no-break space. */
export const SPACE_SEPARATORS: readonly string[] = [' ', '\u00a0', '\u202f'];

/** Parses written decimal text (surrounding whitespace ignored); undefined if it is not one. */
export function parseDecimalText(text: string, syntax: NumberSyntax): Decimal | undefined {
  const match = /^([+-]?)(.*)$/s.exec(text.trim());
  const sign = match?.[1] ?? '';
  const body = match?.[2] ?? '';
  const markAt = body.indexOf(syntax.decimalMark);
  const whole = markAt < 0 ? body : body.slice(0, markAt);
  const fraction = markAt < 0 ? '' : body.slice(markAt + 1);
  if (!/^\d*$/.test(fraction) || whole.length + fraction.length === 0) return undefined;
  const wholeDigits = ungroup(whole, syntax.groupSeparators);
  if (wholeDigits === undefined || wholeDigits.length + fraction.length === 0) return undefined;
  const magnitude = BigInt((wholeDigits || '0') + fraction);
  return { unscaled: sign === '-' ? -magnitude : magnitude, scale: fraction.length };
}

/**
 * Removes thousands separators, insisting on groups of three so that `1.5` read with
 * `.` as a separator is an error rather than fifteen.
 */
function ungroup(whole: string, separators: readonly (readonly string[])[]): string | undefined {
  if (/^\d*$/.test(whole)) return whole;
  for (const kind of separators) {
    const groups = whole.split(new RegExp(`[${kind.map(escapeForClass).join('')}]`));
    const [first, ...rest] = groups;
    if (first === undefined || rest.length === 0) continue;
    if (/^\d{1,3}$/.test(first) && rest.every((g) => /^\d{3}$/.test(g))) return groups.join('');
  }
  return undefined;
}

function escapeForClass(ch: string): string {
  return ch.replace(/[\\\]^-]/g, '\\$&');
}

/** A JavaScript number as the decimal it prints as (shortest round-trip form, no exponent). */
export function numberToDecimal(n: number): Decimal | undefined {
  // A safe integer prints without a point or an exponent: no pattern to read.
  if (Number.isSafeInteger(n)) return { unscaled: BigInt(n), scale: 0 };
  if (!Number.isFinite(n)) return undefined;
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = m;
  const magnitude = BigInt(whole + fraction);
  const scale = fraction.length - Number(exponentText);
  const unscaled = sign === '-' ? -magnitude : magnitude;
  return scale >= 0 ? { unscaled, scale } : { unscaled: unscaled * 10n ** BigInt(-scale), scale: 0 };
}

/** Canonical text: no exponent, no leading zeros or `+`, no negative zero, scale digits kept. */
export function formatDecimal(d: Decimal): string {
  const negative = d.unscaled < 0n;
  const digits = (negative ? -d.unscaled : d.unscaled).toString().padStart(d.scale + 1, '0');
  const whole = digits.slice(0, digits.length - d.scale);
  const fraction = digits.slice(digits.length - d.scale);
  return `${negative ? '-' : ''}${whole}${d.scale > 0 ? `.${fraction}` : ''}`;
}

/**
 * Rounds (or pads) to `scale` digits, halves away from zero: the rule of PostgreSQL's
 * numeric `round()` and of most invoices, so salvage agrees with the database it feeds.
 */
export function roundHalfUp(d: Decimal, scale: number): Decimal {
  if (scale >= d.scale) return { unscaled: d.unscaled * 10n ** BigInt(scale - d.scale), scale };
  const divisor = 10n ** BigInt(d.scale - scale);
  const magnitude = d.unscaled < 0n ? -d.unscaled : d.unscaled;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return { unscaled: d.unscaled < 0n ? -quotient : quotient, scale };
}

/** The value × 10^places as a whole number, or undefined if that would drop nonzero digits. */
export function exactInteger(d: Decimal, places = 0): bigint | undefined {
  const shift = places - d.scale;
  if (shift >= 0) return d.unscaled * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  return d.unscaled % divisor === 0n ? d.unscaled / divisor : undefined;
}
