import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { startDemoCalendar } from '../../src/demo/booking-calendar.js';
import { EXPORT_PATHS, generateIncident, writeIncidentFiles, type Incident } from '../../src/demo/incident.js';
import { pull } from '../../src/pull/pull.js';
import { tempJobDir } from '../support/flow.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { loadRows } from './demo-recovery.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

/**
 * The hand-written mappings of the sample incident for its four original sources
 * (the Stripe CSV exports, the ICS export, the Google calendar), frozen here so that
 * tests measure init against a fixed baseline while mappings/ grows new sources.
 */
export const HAND_WRITTEN_MAPPINGS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hand-written');
export const SAMPLE_CALENDAR_ID = 'bookings@fjordkayaks.example';

export interface SampleCase {
  incident: Incident;
  /** The stale backup, loaded into a fresh database (drop it when done). */
  backup: TestDatabase;
  /** A job directory: exports, salvage.yaml, the hand-written mappings, and the records pulled. */
  job: string;
  /** What loadConfig needs for the job's salvage.yaml (TARGET_DATABASE_URL aside). */
  env: Record<string, string>;
}

/**
 * The sample incident ready for mapping: its backup in PostgreSQL, its exports in a
 * job directory, its sources pulled (the Google calendar through the local replay,
 * unless `pullCalendarApi` is false: then it is configured but not pulled).
 */
export async function prepareSampleCase(label: string, options: { pullCalendarApi?: boolean } = {}): Promise<SampleCase> {
  const incident = generateIncident();
  const backup = await createTestDatabase(label);
  await loadRows(backup.url, incident.backup);
  const job = await tempJobDir(label);
  await writeIncidentFiles(incident, job);
  await cp(HAND_WRITTEN_MAPPINGS, path.join(job, 'mappings'), { recursive: true });
  const env = { SAMPLE_BACKUP_URL: backup.url, SAMPLE_GCAL_TOKEN: 'replay-token' };
  const replay = options.pullCalendarApi === false ? undefined : await startDemoCalendar(incident, SAMPLE_CALENDAR_ID, env.SAMPLE_GCAL_TOKEN);
  try {
    await writeFile(path.join(job, 'salvage.yaml'), sampleConfig(incident, replay?.rootUrl ?? 'http://127.0.0.1:9/'));
    const config = await loadConfig(path.join(job, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { ...process.env, ...env } });
    await pull({ config, sources: ['payments', 'refunds', 'calendar', ...(replay ? ['gcal'] : [])] });
  } finally {
    await replay?.close();
  }
  return { incident, backup, job, env };
}

function sampleConfig(incident: Incident, calendarApi: string): string {
  return `job: .
backup: { url: env:SAMPLE_BACKUP_URL }
target: { url: env:TARGET_DATABASE_URL }
window: { from: ${incident.window.from}, to: ${incident.window.to} }
mappings: ./mappings
sources:
  payments: { kind: csv, files: [${EXPORT_PATHS.payments}] }
  refunds:  { kind: csv, files: [${EXPORT_PATHS.refunds}] }
  calendar: { kind: ics, files: [${EXPORT_PATHS.calendar}] }
  gcal:     { kind: google-calendar, accessToken: env:SAMPLE_GCAL_TOKEN, calendarIds: [${SAMPLE_CALENDAR_ID}], apiBase: ${calendarApi} }
`;
}
