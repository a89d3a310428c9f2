/**
 * Field paths into a record: `data.amount`, `data["Customer Email"]`,
 * `data.attendees[0].email`, `createdAt`, and `$ref` for a named regex capture.
 * Parsed once at load time into segments, so evaluation is a plain walk.
 */
export type PathSegment = string | number;

export interface FieldPath {
  text: string;
  /** A `$name` capture variable instead of a record field. */
  capture?: string;
  segments: PathSegment[];
}

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;

export function parsePath(text: string): FieldPath | { error: string } {
  const src = text.trim();
  let i = 0;
  let capture: string | undefined;
  if (src.startsWith('$')) {
    // `$name`, or `$item.code` / `$item[0]`: a field of an element `each:` hands over.
    const name = /^\$([A-Za-z_][A-Za-z0-9_]*)(?=$|[.[])/.exec(src);
    if (!name) return { error: `"${text}" is not a capture name (use $name, letters, digits, _)` };
    capture = name[1] as string;
    i = name[0].length;
    if (i === src.length) return { text: src, capture, segments: [] };
  }
  const segments: PathSegment[] = [];
  const fail = (why: string) => ({ error: `cannot read path "${text}" at character ${i + 1}: ${why}` });
  while (i < src.length) {
    if (segments.length > 0 || capture !== undefined) {
      if (src[i] === '.') i++;
      else if (src[i] !== '[') return fail('expected "." or "["');
    }
    if (src[i] === '[') {
      const close = readBracket(src, i);
      if ('error' in close) return fail(close.error);
      segments.push(close.segment);
      i = close.end;
      continue;
    }
    IDENT.lastIndex = i;
    const m = IDENT.exec(src);
    if (!m) return fail('expected a field name (write odd names as ["Field Name"])');
    segments.push(m[0]);
    i += m[0].length;
  }
  if (segments.length === 0) return { error: 'a path cannot be empty' };
  return capture === undefined ? { text: src, segments } : { text: src, capture, segments };
}

function readBracket(src: string, start: number): { segment: PathSegment; end: number } | { error: string } {
  const quote = src[start + 1];
  if (quote === '"' || quote === "'") {
    let j = start + 2;
    let out = '';
    while (j < src.length && src[j] !== quote) {
      if (src[j] === '\\' && j + 1 < src.length) j++;
      out += src[j];
      j++;
    }
    if (src[j] !== quote || src[j + 1] !== ']') return { error: `unclosed [${quote}...${quote}]` };
    return { segment: out, end: j + 2 };
  }
  const close = src.indexOf(']', start);
  const inner = close < 0 ? '' : src.slice(start + 1, close);
  if (!/^-?\d+$/.test(inner)) return { error: 'expected [number] or ["name"]' };
  return { segment: Number(inner), end: close + 1 };
}

/** Reads a path from a record-like object; undefined when any step is missing. */
export function readPath(root: unknown, path: FieldPath, captures?: Record<string, unknown>): unknown {
  if (path.capture !== undefined && !(captures && Object.hasOwn(captures, path.capture))) return undefined;
  let node: unknown = path.capture !== undefined ? (captures as Record<string, unknown>)[path.capture] : root;
  for (const seg of path.segments) {
    if (node === null || node === undefined) return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[seg < 0 ? node.length + seg : seg];
    } else {
      // Own fields only: a record has no `constructor` or `__proto__` unless its data says so.
      if (typeof node !== 'object' || !Object.hasOwn(node, seg)) return undefined;
      node = (node as Record<string, unknown>)[seg];
    }
  }
  return node;
}
