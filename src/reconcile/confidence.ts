/**
 * How sure salvage is that a change is right, and why: which key tied the records
 * to the row, how many independent sources agree, and whether they disagreed.
 * The reasons are shown to the reviewer with the number; decisions.yaml can turn
 * the number into a gate (`confidence: { accept: 0.8, reject: 0.5 }`).
 */
export interface Confidence {
  score: number;
  reasons: string[];
}

export interface ConfidenceInput {
  /** The match key that tied the records to a backup row, or undefined for a new row. */
  matchedBy?: { columns: string[]; primary: boolean };
  /** Distinct sources among the records behind the change. */
  sources: string[];
  /** Columns on which sources disagreed and a policy chose. */
  disagreements: string[];
  /** The key came from the sequence: nothing outside vouches for the row's identity. */
  keyAssigned: boolean;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function scoreChange(input: ConfidenceInput): Confidence {
  const reasons: string[] = [];
  let score: number;
  if (input.matchedBy?.primary) {
    score = 0.9;
    reasons.push(`matched the backup row by its primary key (${input.matchedBy.columns.join(', ')})`);
  } else if (input.matchedBy) {
    score = 0.8;
    reasons.push(`matched the backup row by ${input.matchedBy.columns.join(' + ')}`);
  } else {
    score = input.keyAssigned ? 0.6 : 0.7;
    reasons.push(input.keyAssigned ? 'a new row; the target makes its key when the patch is applied' : 'a new row; its key comes from a source');
  }
  const sources = [...new Set(input.sources)].sort();
  if (sources.length > 1) {
    score += Math.min(0.1 * (sources.length - 1), 0.2);
    reasons.push(`${sources.length} independent sources agree (${sources.join(', ')})`);
  } else {
    reasons.push(`only ${sources[0] ?? 'one source'} says so`);
  }
  if (input.disagreements.length) {
    score -= 0.1 * input.disagreements.length;
    reasons.push(`sources disagreed on ${input.disagreements.join(', ')} (a rule chose)`);
  }
  return { score: round(Math.max(0, Math.min(1, score))), reasons };
}
