import { decodeEntities } from './html-entities.js';

/**
 * HTML as plain text, for rules that read what booking systems put only in the HTML
 * version of a message (`data.htmlAsText` beside `text` as sent).
 *
 * Made for regular expressions, not for reading on a terminal: a table cell is kept
 * apart from the next by a tab (`<td>Total</td><td>€ 80.50</td>` gives `Total\t€ 80.50`,
 * never `Total€ 80.50`), a row ends its line, and no line is ever wrapped, so a long
 * reference stays whole on its line. Paragraphs and headings are separated by a blank
 * line, `<br>` and list items start a line, a link keeps its address as `text [href]`
 * (references often live there), images and the content of `<script>`, `<style>`,
 * `<head>` and `<template>` are left out, whitespace runs collapse to one space except
 * inside `<pre>`. One pass over the text: linear in its length, whatever its nesting.
 */
export function htmlToText(html: string): string {
  const out = new TextOut();
  let i = 0;
  const n = html.length;
  let skipUntil: string | undefined;
  let pre = 0;
  let href: string | undefined;
  while (i < n) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i && skipUntil === undefined) out.text(decodeEntities(html.slice(i, textEnd)), pre > 0);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close < 0 ? n : close + 3;
      continue;
    }
    const tag = readTag(html, lt);
    if (!tag) {
      // A '<' that opens no tag is text ("a < b").
      if (skipUntil === undefined) out.text('<', pre > 0);
      i = lt + 1;
      continue;
    }
    i = tag.end;
    if (skipUntil !== undefined) {
      if (tag.closing && tag.name === skipUntil) skipUntil = undefined;
      continue;
    }
    if (!tag.closing && SKIPPED.has(tag.name) && !tag.selfClosing) {
      skipUntil = tag.name;
      continue;
    }
    if (tag.name === 'pre') pre = Math.max(0, pre + (tag.closing ? -1 : 1));
    if (tag.name === 'a') {
      if (!tag.closing) {
        href = tag.href;
        out.startLink();
      }
      else if (href !== undefined) {
        out.link(href);
        href = undefined;
      }
      continue;
    }
    if (tag.name === 'br') out.lineBreak();
    else if (tag.name === 'td' || tag.name === 'th') {
      if (!tag.closing) out.cell();
    } else if (tag.name === 'tr') out.endLine();
    else if (tag.name === 'li') {
      if (!tag.closing) out.listItem();
      else out.endLine();
    } else if (PARAGRAPHS.has(tag.name)) out.paragraph();
    else if (LINES.has(tag.name)) out.endLine();
  }
  return out.finish();
}

const SKIPPED = new Set(['script', 'style', 'head', 'template', 'title', 'noscript']);
const PARAGRAPHS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'ul', 'ol', 'blockquote', 'pre', 'hr', 'dl']);
const LINES = new Set(['div', 'section', 'article', 'header', 'footer', 'main', 'nav', 'aside', 'address', 'tbody', 'thead', 'tfoot', 'caption', 'dt', 'dd', 'figure', 'figcaption', 'form', 'fieldset', 'center']);

interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  href?: string;
  end: number;
}

/** The tag opening at `lt`, or undefined when `<` opens none (then it is text). Quoted attribute values may hold `>`. */
function readTag(html: string, lt: number): Tag | undefined {
  let i = lt + 1;
  const closing = html[i] === '/';
  if (closing) i++;
  const start = i;
  while (i < html.length && /[A-Za-z0-9!?:-]/.test(html[i] as string)) i++;
  if (i === start) return undefined;
  const name = html.slice(start, i).toLowerCase();
  const attributesStart = i;
  let quote: string | undefined;
  for (; i < html.length; i++) {
    const c = html[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') break;
  }
  const attributes = html.slice(attributesStart, i);
  const end = Math.min(i + 1, html.length);
  const tag: Tag = { name, closing, selfClosing: attributes.trimEnd().endsWith('/'), end };
  if (name === 'a' && !closing) {
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes);
    const value = href?.[1] ?? href?.[2] ?? href?.[3];
    if (value !== undefined) tag.href = decodeEntities(value).trim();
  }
  return tag;
}

/**
 * The text as it is built: lines of words, with what separates them decided lazily (a
 * blank line beats a line break beats a cell's tab beats a space), so that nested blocks
 * and empty cells never pile up blank lines.
 */
class TextOut {
  private readonly parts: string[] = [];
  /** 0 nothing pending, 1 a space, 2 a cell's tab, 3 a line break, 4 a blank line. */
  private pending = 0;
  private started = false;
  /** The text of the current link, to leave out an address that only repeats it. */
  private linkText = '';

  text(raw: string, preformatted: boolean): void {
    if (preformatted) {
      if (raw === '') return;
      this.flush();
      this.parts.push(raw);
      this.linkText += raw;
      return;
    }
    const words = raw.split(/[ \t\n\r\f]+/);
    words.forEach((word, k) => {
      if (k > 0) this.want(1);
      if (word === '') return;
      this.flush();
      this.parts.push(word);
      this.linkText += word;
    });
  }

  startLink(): void {
    this.linkText = '';
  }

  link(href: string): void {
    const text = this.linkText.trim();
    this.linkText = '';
    if (href === '' || href.startsWith('#') || /^(?:javascript|cid|data):/i.test(href) || href === text || `mailto:${text}` === href) return;
    this.want(1);
    this.flush();
    this.parts.push(`[${href}]`);
  }

  cell(): void {
    this.want(2);
  }

  lineBreak(): void {
    // A <br> always breaks the line, even two in a row (an empty line someone typed).
    if (this.pending >= 3) {
      this.parts.push('\n');
      this.pending = 3;
      return;
    }
    this.want(3);
  }

  endLine(): void {
    this.want(3);
  }

  listItem(): void {
    this.want(3);
    this.flush();
    this.parts.push('- ');
    this.pending = 0;
  }

  paragraph(): void {
    this.want(4);
  }

  finish(): string {
    // Line by line, not a regular expression over the whole: a run of spaces costs its length once.
    return this.parts
      .join('')
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trim();
  }

  private want(level: number): void {
    if (level > this.pending) this.pending = level;
  }

  private flush(): void {
    if (this.started && this.pending > 0) this.parts.push(SEPARATORS[this.pending] as string);
    this.started = true;
    this.pending = 0;
  }
}

const SEPARATORS = ['', ' ', '\t', '\n', '\n\n'];
