import { UsageError } from '../errors.js';
import type { Changeset } from '../reconcile/changeset.js';
import { renderText } from './text.js';

export const DIFF_FORMATS = ['text', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export function renderChangeset(changeset: Changeset, format: string, options: { color?: boolean; limit?: number } = {}): string {
  switch (format) {
    case 'text':
      return renderText(changeset, options);
    case 'json':
      return `${JSON.stringify(changeset, null, 2)}\n`;
    default:
      throw new UsageError(`unknown diff format "${format}": use one of ${DIFF_FORMATS.join(', ')} (md and html come with the review work)`);
  }
}
