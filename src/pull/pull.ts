import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LiveLine, liveLineWanted } from '../../connectors/shared/live-line.js';
import { requireEnv, type SalvageConfig } from '../config/load.js';
import { redact } from '../config/secrets.js';
import { SafetyRefusal, UsageError } from '../errors.js';
import { openRecordsSink, readRecordsFile } from '../records/ndjson.js';
import { connectorFor } from './connectors.js';

export interface PullOptions {
  config: SalvageConfig;
  /** Only these sources (default: all). */
  sources?: string[];
  log?: (line: string) => void;
  /** False: no live progress line on the terminal (`--no-progress`); connectors still log their totals. */
  progress?: boolean;
}

export interface PullSummary {
  source: string;
  kind: string;
  records: number;
  file: string;
  seconds: number;
}

export function recordsPath(jobDir: string, source: string): string {
  return path.join(jobDir, 'records', `${source}.ndjson`);
}

/** Pulls each source into <job>/records/<source>.ndjson. Reads the outside world only; needs no database. */
export async function pull(options: PullOptions): Promise<PullSummary[]> {
  const { config } = options;
  // The connectors' progress draws on this line; every log line of the pull clears it
  // first and puts it back after, or a message would land on the row being redrawn.
  const liveLine = liveLineWanted(process.stderr, options.progress !== false) ? new LiveLine(process.stderr) : undefined;
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
  for (const name of names) {
    const source = config.sources[name];
    if (!source) continue;
    const connector = safely(() => connectorFor(name, source));
    const stateDir = path.join(config.jobDir, 'state', name);
    await mkdir(stateDir, { recursive: true });
    const file = recordsPath(config.jobDir, name);
    const started = performance.now();
    const sink = await openRecordsSink(file);
    if (sink.resumedRecords) log(`${name}: resuming an interrupted pull after ${sink.resumedRecords} records`);
    const records = connector.pull({
      sourceName: name,
      window: config.window,
      baseDir: config.baseDir,
      stateDir,
      observedAt,
      log: (line) => log(`${name}: ${line}`),
      liveProgress: options.progress,
      liveLine,
      checkpoint: (state) => sink.checkpoint(state),
      resumeState: sink.resumeState,
      previousRecords: async function* () {
        for await (const { record } of readRecordsFile(file, { missingOk: true })) yield record;
      },
    });
    const count = await sink.write(records).catch((error: unknown) => {
      // A connector that fails mid-pull leaves its line showing; the error is printed next.
      liveLine?.clear();
      return safely(() => {
        throw error;
      });
    });
    const seconds = (performance.now() - started) / 1000;
    summaries.push({ source: name, kind: source.kind, records: count, file, seconds });
    log(`${name} (${source.kind}): ${count} records -> ${path.relative(process.cwd(), file)} in ${seconds.toFixed(1)}s`);
    const { redactedValues, fields } = sink.scrubber;
    if (redactedValues) {
      const shown = [...fields].slice(0, 5).join(', ') + (fields.size > 5 ? `, … ${fields.size - 5} more` : '');
      log(
        `${name}: ${redactedValues} value${redactedValues === 1 ? '' : 's'} looked like a credential and ${redactedValues === 1 ? 'was' : 'were'} redacted (${shown}); ` +
          'rows that need them are reported unrecoverable, not written with a placeholder',
      );
    }
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
