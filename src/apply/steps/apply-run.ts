import path from 'node:path';
import type { Catalog } from '../../db/catalog-types.js';
import type { DbHandle } from '../../db/connect.js';
import { SalvageError } from '../../errors.js';
import type { StatementEntry } from '../../patch/manifest.js';
import { NO_PROGRESS, type Progress, type StageProgress } from '../../runtime/progress.js';
import { StageTimer } from '../../runtime/stage-timer.js';
import { APPLY_ROLLBACK } from '../../sql/apply-session.js';
import type { ApplyOptions, ApplyResult } from '../apply-options.js';
import { explainApplyFailure } from '../apply-failure.js';
import type { DriftReport } from '../drift.js';
import type { LockWaitWatch } from '../lock-wait.js';
import type { PatchStatement } from '../patch-statements.js';
import type { VerifiedPatch } from '../verify-patch.js';

/** One data statement of the file and the manifest entry that says how many rows it must touch. */
export interface Work {
  statement: PatchStatement;
  entry: StatementEntry;
}

/** What a step says: go on to the next, or the run is over (nothing to do, or committed). */
export type StepOutcome = 'next' | 'stop';

/** A named step of apply: the steps and their order are in order.ts, and the README lists them by these names. */
export interface ApplyStep {
  /** The step's name as the README's "Applying a patch" and docs/apply-guards.md give it. */
  name: string;
  run(run: ApplyRun): Promise<StepOutcome>;
}

/**
 * The state one apply or undo builds up as its steps run. A field is set by the step that
 * makes it and read only by later ones (the order is fixed in order.ts), hence the
 * definite-assignment marks.
 */
export class ApplyRun {
  readonly which: 'patch' | 'undo';
  readonly file: string;
  readonly log: (line: string) => void;
  readonly progress: Progress;
  private readonly timer = new StageTimer();

  verified!: VerifiedPatch;
  statements!: PatchStatement[];
  work!: Work[];
  db?: DbHandle;
  database!: string;
  catalog!: Catalog;
  drift!: DriftReport;
  /** Statements already run and counted (the staging tables, filled for the drift check). */
  readonly ran = new Set<Work>();
  /** Counted rows written so far, table -> kind -> rows. */
  readonly rows: ApplyResult['rows'] = {};
  privilegeWarnings: string[] = [];
  safetyCopy?: string;
  alreadyDone?: string;
  watch?: LockWaitWatch;
  /** Rows written, for the progress line; begun by the counted writes, ended after the sequence moves. */
  writing?: StageProgress;
  /** BEGIN ran and nothing has ended the transaction yet: a failure rolls it back. */
  inTransaction = false;
  committed = false;

  constructor(readonly options: ApplyOptions) {
    this.which = options.which ?? 'patch';
    this.file = path.join(options.patchDir, this.which === 'patch' ? 'patch.sql' : 'undo.sql');
    this.log = options.log ?? (() => undefined);
    this.progress = options.progress ?? NO_PROGRESS;
  }

  get client() {
    if (!this.db) throw new Error('apply step ran before the target was connected');
    return this.db.client;
  }

  get lockTimeout(): string {
    return this.options.lockTimeout ?? '5s';
  }

  get statementTimeout(): string {
    return this.options.statementTimeout ?? '5min';
  }

  lap(stage: string, rows: number): void {
    this.timer.lap(stage, rows);
  }

  result(): ApplyResult {
    const { database, which, timings } = { database: this.database, which: this.which, timings: this.timer.timings };
    const dryRun = this.options.dryRun ?? false;
    if (this.alreadyDone !== undefined) return { database, which, dryRun, committed: false, alreadyDone: this.alreadyDone, statements: 0, rows: {}, privilegeWarnings: [], timings };
    return { database, which, dryRun, committed: this.committed, statements: this.work.length, rows: this.rows, safetyCopy: this.safetyCopy, privilegeWarnings: this.privilegeWarnings, timings };
  }

  /** Inside the transaction, a failure rolls it back and is named (apply-failure.ts); before it, it goes out as it is. */
  async failed(error: unknown): Promise<unknown> {
    if (!this.inTransaction) return error;
    this.inTransaction = false;
    await this.client.query(APPLY_ROLLBACK).catch(() => undefined);
    if (error instanceof SalvageError) return error;
    return explainApplyFailure(error, {
      client: this.client,
      database: this.database,
      which: this.which,
      statements: this.statements,
      lockTimeout: this.lockTimeout,
      statementTimeout: this.statementTimeout,
      waitedFor: this.watch?.blockers ?? [],
    });
  }

  async close(): Promise<void> {
    try {
      await this.watch?.stop();
    } finally {
      await this.db?.close();
    }
  }

  /** Rows written so far, all tables and kinds. */
  writtenRows(): number {
    return Object.values(this.rows).reduce((n, t) => n + Object.values(t).reduce((a, b) => a + b, 0), 0);
  }
}
