import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { LiveLine } from '../runtime/live-line.js';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';
import { requireEnv, type SalvageConfig } from '../config/load.js';
import type { SourceConfig } from '../config/schema.js';
import { redact } from '../runtime/secrets.js';
import { SafetyRefusal, SalvageError, UsageError } from '../errors.js';
import { openRecordsSink, readRecordsFile } from '../records/ndjson.js';
import type { PullRejection } from '../records/rejection.js';
import { connectorFor } from './connectors.js';
import { sourceContext } from './source-context.js';
import { withPreserved } from './preserved.js';
import { rejectionsPath, preservedPath, stateDir as stateDirOf, recordsPath } from '../runtime/job-paths.js';

export interface PullOptions {
  config: SalvageConfig;
  /** Only these sources (default: all). */
  sources?: string[];
  log?: (line: string) => void;
  /**
   * Where the sources' counts are drawn: on `progress.line`, the caller's live line, when it
   * has one (the CLI's on a terminal, not with --no-progress). Default: nothing is drawn;
   * connectors still log their totals.
   */
  progress?: Progress;
}

export interface PullSummary {
  source: string;
  kind: string;
  records: number;
  /** Records (or files) that could not be read; each is in <job>/rejected/<source>.ndjson. */
  rejected: number;
  /** The first few rejections, to show. */
  rejectedSamples: PullRejection[];
  file: string;
  seconds: number;
}

/** Pulls each source into <job>/records/<source>.ndjson. Reads the outside world only; needs no database. */
export async function pull(options: PullOptions): Promise<PullSummary[]> {
  const { config } = options;
  // The connectors' progress draws on the caller's line; every log line of the pull clears
  // it first and puts it back after, or a message would land on the row being redrawn.
  const liveLine = (options.progress ?? NO_PROGRESS).line;
  const write = (line: string) => options.log?.(redact(line));
  const log = (line: string) => (liveLine ? liveLine.writeAbove(() => write(line)) : write(line));
  const names = options.sources?.length ? options.sources : Object.keys(config.sources);
  for (const name of names) {
    if (!config.sources[name]) {
      throw new UsageError(`no source named "${name}" in ${config.file} (sources: ${Object.keys(config.sources).join(', ')})`);
    }
  }
  requireEnv(config, ...names.map((name) => ['sources', name]));
  const observedAt = new Date().toISOString();
  const summaries: PullSummary[] = [];
  // A source that fails (a server down, a file gone) fails alone: the others are still pulled.
  const failures: Array<{ name: string; error: unknown }> = [];
  for (const name of names) {
    const source = config.sources[name];
    if (!source) continue;
    try {
      summaries.push(await pullSource(name, source, { config, observedAt, log, liveLine }));
    } catch (error) {
      if (stopsEveryPull(error)) throw error;
      failures.push({ name, error });
      if (names.length > 1) log(`error: ${name}: ${redact(error instanceof Error ? error.message : String(error))}; the other sources are pulled`);
    }
  }
  const [first, ...more] = failures;
  if (first && more.length === 0) throw first.error;
  if (first) {
    throw new SalvageError(`${failures.length} sources could not be pulled (${failures.map((f) => f.name).join(', ')}; see the errors above); ${summaries.length} were`);
  }
  return summaries;
}

/** A connector's safety refusal (a secret key where a read-only one belongs) exits 3 like every guard. */
function safely<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof Error && (error as { refusedBySafetyGuard?: boolean }).refusedBySafetyGuard) throw new SafetyRefusal(error.message);
    throw error;
  }
}

interface PullRun {
  config: SalvageConfig;
  observedAt: string;
  log: (line: string) => void;
  liveLine: LiveLine | undefined;
}

async function pullSource(name: string, source: SourceConfig, run: PullRun): Promise<PullSummary> {
  const { config, observedAt, log, liveLine } = run;
  const connector = safely(() => connectorFor(config.kinds, name, source));
  const stateDir = stateDirOf(config.jobDir, name);
  await mkdir(stateDir, { recursive: true });
  const file = recordsPath(config.jobDir, name);
  const started = performance.now();
  const sink = await openRecordsSink(file, { rejectionsFile: rejectionsPath(config.jobDir, name) });
  if (sink.resumedRecords) log(`${name}: resuming an interrupted pull after ${sink.resumedRecords} records`);
  const pulled = connector.pull(
    sourceContext(config, name, stateDir, sink, observedAt, log, {
      // No line from the caller: the connector must not draw one of its own either.
      liveProgress: liveLine !== undefined,
      liveLine,
      previousRecords: async function* () {
        for await (const { record } of readRecordsFile(file, { missingOk: true })) yield record;
      },
    }),
  );
  // What `salvage preserve` saved and the source no longer serves comes after its own records.
  let fromPreserved = 0;
  const records = withPreserved(
    pulled,
    preservedPath(config.jobDir, name),
    (async function* () {
      if (sink.resumedRecords) for await (const { record } of readRecordsFile(`${file}.partial`)) yield record;
    })(),
    (added) => (fromPreserved = added),
  );
  const count = await sink.write(records).catch((error: unknown) => {
    // A connector that fails mid-pull leaves its line showing; the error is printed next.
    liveLine?.clear();
    return safely(() => {
      throw error;
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const { count: rejected, samples } = sink.rejections;
  const summary: PullSummary = { source: name, kind: source.kind, records: count, rejected, rejectedSamples: [...samples], file, seconds };
  log(`${name} (${source.kind}): ${count} records -> ${path.relative(process.cwd(), file)} in ${seconds.toFixed(1)}s`);
  if (fromPreserved) log(`${name}: ${fromPreserved} of them from ${path.relative(process.cwd(), preservedPath(config.jobDir, name))} (saved by "salvage preserve", no longer served by the source)`);
  if (rejected) {
    log(`${name}: ${rejected} record${rejected === 1 ? '' : 's'} could not be read and ${rejected === 1 ? 'was' : 'were'} rejected (all in ${path.relative(process.cwd(), rejectionsPath(config.jobDir, name))}):`);
    for (const r of samples) log(`${name}:   ${r.location}: ${r.what}: ${r.reason}`);
    if (rejected > samples.length) log(`${name}:   … ${rejected - samples.length} more`);
  }
  const { redactedValues, fields } = sink.scrubber;
  if (redactedValues) {
    const shown = [...fields].slice(0, 5).join(', ') + (fields.size > 5 ? `, … ${fields.size - 5} more` : '');
    log(
      `${name}: ${redactedValues} value${redactedValues === 1 ? '' : 's'} looked like a credential and ${redactedValues === 1 ? 'was' : 'were'} redacted (${shown}); ` +
        'rows that need them are reported unrecoverable, not written with a placeholder',
    );
  }
  return summary;
}

/** Refusals and interruptions stop the whole pull; anything else costs only its source. */
function stopsEveryPull(error: unknown): boolean {
  return error instanceof SafetyRefusal || error instanceof UsageError || (error instanceof Error && error.name === 'AbortError');
}
