/**
 * `salvage preserve`: the first hour after an incident. Some evidence disappears on a
 * clock: Stripe keeps events (the only record of refunds, disputes, cancellations and
 * deletions made in the window on older objects) for 30 days, and a mailbox or a
 * calendar changes under you as people work. Preserve pulls that evidence now into
 * <job>/preserved/<source>.ndjson and says, per source, what expires when; later pulls
 * add the preserved records the source no longer serves (see src/pull/preserved.ts).
 */
import { mkdir } from 'node:fs/promises';
import { requireEnv, type SalvageConfig } from '../config/load.js';
import type { SourceConfig } from '../config/schema.js';
import { redact } from '../runtime/secrets.js';
import { SafetyRefusal, UsageError } from '../errors.js';
import { openRecordsSink } from '../records/ndjson.js';
import { connectorFor } from '../pull/connectors.js';
import { sourceContext } from '../pull/source-context.js';
import { kindNamed, type SourceKindSpec } from '../records/source-kind.js';
import { stateDir as stateDirOf, preservedRejectionsPath, preservedPath } from '../runtime/job-paths.js';

export interface PreserveSummary {
  source: string;
  kind: string;
  /** Records written to the preserved file; undefined when the source has nothing that ages. */
  records?: number;
  file?: string;
  /** What expires when, in words. */
  expiry: string;
}

export interface PreserveOptions {
  config: SalvageConfig;
  sources?: string[];
  log?: (line: string) => void;
  /** "Now", for the expiry dates (default: the clock). */
  now?: Date;
}

/** What of a source ages, and the source config that pulls just that (its kind's preserve part); undefined for files, which do not. */
function agingPart(config: SalvageConfig, source: SourceConfig): { part: NonNullable<SourceKindSpec['preserve']>; source: SourceConfig } | undefined {
  const part = kindNamed(config.kinds, source.kind)?.preserve;
  if (part === undefined) return undefined;
  return { part, source: part.aging ? (part.aging(source) as SourceConfig) : source };
}

export async function preserve(options: PreserveOptions): Promise<PreserveSummary[]> {
  const { config } = options;
  const log = (line: string) => options.log?.(redact(line));
  const names = options.sources?.length ? options.sources : Object.keys(config.sources);
  for (const name of names) {
    if (!config.sources[name]) throw new UsageError(`no source named "${name}" in ${config.file} (sources: ${Object.keys(config.sources).join(', ')})`);
  }
  requireEnv(config, ...names.map((name) => ['sources', name]));
  const now = options.now ?? new Date();
  const observedAt = now.toISOString();
  const summaries: PreserveSummary[] = [];
  for (const name of names) {
    const source = config.sources[name] as SourceConfig;
    const aging = agingPart(config, source);
    if (aging === undefined) {
      summaries.push({ source: name, kind: source.kind, expiry: 'files do not expire: keep the exports as they are (read-only, with a copy)' });
      continue;
    }
    let connector;
    try {
      connector = connectorFor(config.kinds, name, aging.source);
    } catch (error) {
      if (error instanceof Error && (error as { refusedBySafetyGuard?: boolean }).refusedBySafetyGuard) throw new SafetyRefusal(error.message);
      throw error;
    }
    // A state directory of its own: preserving must not move an incremental pull's sync tokens.
    const stateDir = stateDirOf(config.jobDir, name, 'preserve');
    await mkdir(stateDir, { recursive: true });
    const file = preservedPath(config.jobDir, name);
    const sink = await openRecordsSink(file, { rejectionsFile: preservedRejectionsPath(config.jobDir, name) });
    const oldestCreated = new Map<string, string>();
    const count = await sink.write(
      connector.pull(sourceContext(config, name, stateDir, sink, observedAt, log, { liveProgress: false, previousRecords: async function* () {} })),
      (record) => {
        const oldest = oldestCreated.get(record.type);
        if (record.createdAt && (oldest === undefined || record.createdAt < oldest)) oldestCreated.set(record.type, record.createdAt);
      },
    );
    summaries.push({ source: name, kind: source.kind, records: count, file, expiry: aging.part.expiry({ count, oldestCreated, now }) });
  }
  return summaries;
}
