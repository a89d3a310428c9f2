import { UsageError } from '../errors.js';
import type { Changeset } from '../reconcile/changeset.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

export const DIFF_FORMATS = ['text', 'md', 'html', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export function renderChangeset(changeset: Changeset, format: string, options: { color?: boolean; limit?: number } = {}): string {
  switch (format) {
    case 'text':
      return renderText(changeset, options);
    case 'md':
      return renderMarkdown(changeset, { limit: options.limit });
    case 'html':
      // One page with every change: it paginates in the browser, so --limit does not apply.
      return renderHtml(changeset);
    case 'json':
      return `${JSON.stringify(changeset, null, 2)}\n`;
    default:
      throw new UsageError(`unknown diff format "${format}": use one of ${DIFF_FORMATS.join(', ')}`);
  }
}
