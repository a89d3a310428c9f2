import type { StageTiming } from '../runtime/stage-timer.js';
import type { Progress } from '../runtime/progress.js';
import type { ReviewedInputs } from './reviewed-changeset.js';

export interface ApplyOptions {
  /** The patch directory written by `salvage patch`. */
  patchDir: string;
  /** Where the safety copy goes (`<job>/pre-apply/`); defaults to the patch directory's parent. */
  jobDir?: string;
  target: { url?: string; embeddedDir: string };
  /** Which file to run: the patch, or its undo. */
  which?: 'patch' | 'undo';
  /** Run everything, check every count, then roll back. */
  dryRun?: boolean;
  /** Must equal the target's current_database() (or `name@host`). */
  confirm?: string;
  /** On a terminal: ask the user to type the database name. Absent when not interactive. */
  ask?: (question: string) => Promise<string>;
  /** Who is applying (an agent's name, a ticket); recorded in salvage.salvage_history. */
  actor?: string;
  lockTimeout?: string;
  statementTimeout?: string;
  log?: (line: string) => void;
  /** Progress of checking the patch and writing its rows (the CLI draws it on a terminal). */
  progress?: Progress;
  /** Write even when the target is the database reconcile read as the backup. */
  intoBackup?: boolean;
  /** Write even when the target is not the database reconcile compared with (the patch names it). */
  allowOtherTarget?: boolean;
  /** The reviewed changeset and decisions: when given, the patch must be exactly what they derive to (the CLI always gives them). */
  reviewed?: ReviewedInputs;
}

export interface ApplyResult {
  database: string;
  which: 'patch' | 'undo';
  dryRun: boolean;
  committed: boolean;
  /** The history says this was already done: nothing ran. */
  alreadyDone?: string;
  statements: number;
  rows: Record<string, Record<string, number>>;
  /** Where the rows were saved before writing. */
  safetyCopy?: string;
  privilegeWarnings: string[];
  /** Wall time of each step, for --timings and the benchmark. */
  timings: StageTiming[];
}
