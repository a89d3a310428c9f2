import type { Changeset } from '../changeset/changeset.js';
import type { RejectionTally } from '../records/rejections-file.js';

type SourceLedger = Changeset['sources'][number];

/**
 * Adds the records a pull could not read to a source's ledger. They were pulled (seen)
 * and not used, so they count in `records` and in `rejected`, and `rejectedBy` names
 * them under the rule `pull`, by what was rejected (a csv row, a calendar event, a
 * file) with the first example: pulled = mapped + matched no rule + rejected still holds.
 */
export function withUnreadable(ledger: SourceLedger, unreadable: RejectionTally): SourceLedger {
  if (unreadable.count === 0) return ledger;
  return {
    ...ledger,
    records: ledger.records + unreadable.count,
    rejected: (ledger.rejected ?? 0) + unreadable.count,
    unreadable: unreadable.count,
    rejectedBy: [
      ...(ledger.rejectedBy ?? []),
      ...unreadable.byWhat.map((entry) => ({
        rule: 'pull',
        column: entry.what,
        count: entry.count,
        example: { ref: entry.example.location, message: entry.example.reason },
      })),
    ],
  };
}
