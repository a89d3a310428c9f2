/** The three commands of a recovery, in order; bench/salvage-stages.ts runs one of them. */
export const STAGES = ['reconcile', 'patch', 'apply'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageResult {
  stage: Stage;
  seconds: number;
  peak_rss_mb: number;
  inserts?: number;
  updates?: number;
  applied_rows?: number;
  patch_statements?: number;
}

