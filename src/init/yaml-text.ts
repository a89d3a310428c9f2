/**
 * Writing YAML by hand, for files meant to be read and edited by people: flow
 * style for small values (`[email]`, `{ table: customers, by: email }`), a comment
 * beside every guess. Every scalar passes `scalar()`, which quotes anything YAML
 * could read as something else (a number, a boolean, a null, a comment, a flow
 * collection), so what is written is exactly what is loaded back.
 */
export type FlowValue = string | number | boolean | null | FlowValue[] | { [key: string]: FlowValue };

const PLAIN = /^[A-Za-z_$][A-Za-z0-9_$./-]*$/;
/** Words YAML 1.1 or 1.2 read as booleans or null (quoted so every reader agrees). */
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

export function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  if (PLAIN.test(value) && !RESERVED.test(value)) return value;
  return `'${value.replaceAll("'", "''")}'`;
}

/** A value on one line: `[a, b]`, `{ k: v }`. */
export function flow(value: FlowValue): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${scalar(k)}: ${flow(v)}`);
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  }
  return scalar(value);
}

/** ` # text`, on one line whatever the text holds. */
export function comment(text: string | undefined): string {
  if (!text) return '';
  // Each run of whitespace that holds a line break becomes one space (`\s*\n\s*` was quadratic in a long run of spaces).
  return `   # ${text.replace(/\s+/g, (run) => (run.includes('\n') ? ' ' : run)).trim()}`;
}

/**
 * A record path in the mapping language: `data.amount`, or `data["Customer Email"]`
 * for a key that is not a plain name (the path reader takes `\` as an escape).
 */
export function fieldPath(segments: Array<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `["${segment.replace(/[\\"]/g, (c) => `\\${c}`)}"]`;
  }
  return out;
}
