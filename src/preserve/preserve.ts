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
import { EVENT_RETENTION_DAYS } from '../../connectors/stripe/events.js';
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

const DAY_MS = 86_400_000;

/** What of a source ages, and the source config that pulls just that; undefined for files, which do not. */
function agingPart(source: SourceConfig): SourceConfig | undefined {
  switch (source.kind) {
    case 'stripe':
      // Only the events age out; objects stay listable as long as they exist.
      return { ...source, objects: ['events'] };
    case 'imap':
    case 'google-calendar':
      return source;
    default:
      return undefined;
  }
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
    const aging = agingPart(source);
    if (aging === undefined) {
      summaries.push({ source: name, kind: source.kind, expiry: 'files do not expire: keep the exports as they are (read-only, with a copy)' });
      continue;
    }
    let connector;
    try {
      connector = connectorFor(name, aging);
    } catch (error) {
      if (error instanceof Error && (error as { refusedBySafetyGuard?: boolean }).refusedBySafetyGuard) throw new SafetyRefusal(error.message);
      throw error;
    }
    // A state directory of its own: preserving must not move an incremental pull's sync tokens.
    const stateDir = stateDirOf(config.jobDir, name, 'preserve');
    await mkdir(stateDir, { recursive: true });
    const file = preservedPath(config.jobDir, name);
    const sink = await openRecordsSink(file, { rejectionsFile: preservedRejectionsPath(config.jobDir, name) });
    let oldestEvent: string | undefined;
    const count = await sink.write(
      connector.pull(sourceContext(config, name, stateDir, sink, observedAt, log, { liveProgress: false, previousRecords: async function* () {} })),
      (record) => {
        if (record.type === 'stripe.event' && record.createdAt && (oldestEvent === undefined || record.createdAt < oldestEvent)) oldestEvent = record.createdAt;
      },
    );
    summaries.push({ source: name, kind: source.kind, records: count, file, expiry: expiryOf(source.kind, count, oldestEvent, now) });
  }
  return summaries;
}

function expiryOf(kind: string, count: number, oldestEvent: string | undefined, now: Date): string {
  if (kind === 'stripe') {
    if (oldestEvent === undefined) return `no events in the window within Stripe's ${EVENT_RETENTION_DAYS} days`;
    const firstGone = new Date(Date.parse(oldestEvent) + EVENT_RETENTION_DAYS * DAY_MS);
    const lastGone = new Date(now.getTime() + EVENT_RETENTION_DAYS * DAY_MS);
    return (
      `${count} events; Stripe drops each ${EVENT_RETENTION_DAYS} days after it happened: the oldest on ${day(firstGone)}, ` +
      `the last of these by ${day(lastGone)}. Refunds, disputes, cancellations and deletions of older objects are only in them`
    );
  }
  if (kind === 'imap') return `${count} records as the mailboxes are now; messages can be deleted or expunged by people and retention policies at any time`;
  return `${count} records as the calendars are now; events are edited, moved and deleted as people work`;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
