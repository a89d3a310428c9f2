import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { calendarIcs } from './calendar-export.js';
import { simulateHistory } from './business-history.js';
import type { GenerateIncidentOptions, Incident } from './incident-types.js';
import { Random } from './prng.js';
import { snapshotAt } from './snapshot.js';
import { paymentsCsv, refundsCsv } from './stripe-exports.js';
import { instantFromIso, toIso } from './time.js';
import { incidentTruth } from './truth.js';

export type { GenerateIncidentOptions, Incident, IncidentRows, IncidentTruth, Row } from './incident-types.js';

/**
 * The sample incident of `salvage demo` and the integration tests: Fjord Kayaks,
 * a kayak rental in Norway, loses its database on 25 April 2026; the newest
 * backup is from 20 January. Stripe exports and the booking calendar survive.
 */

export const DEFAULT_SEED = 20260425;
export const INCIDENT_WINDOW = { from: '2026-01-20T00:00:00Z', to: '2026-04-25T09:00:00Z' } as const;

/** Relative paths of the exports, as a salvage.yaml's file sources would glob them. */
export const EXPORT_PATHS = {
  payments: 'exports/payments.csv',
  refunds: 'exports/refunds.csv',
  calendar: 'exports/calendar.ics',
} as const;

/** Deterministic: the same seed and scale give the same incident, byte for byte. */
export function generateIncident(options: GenerateIncidentOptions = {}): Incident {
  const rng = new Random(options.seed ?? DEFAULT_SEED);
  const window = { from: instantFromIso(INCIDENT_WINDOW.from), to: instantFromIso(INCIDENT_WINDOW.to) };
  const history = simulateHistory(rng, options.scale ?? 1, window);
  return {
    window: { from: toIso(window.from), to: toIso(window.to) },
    production: snapshotAt(history, window.to),
    backup: snapshotAt(history, window.from),
    exports: {
      [EXPORT_PATHS.payments]: paymentsCsv(history),
      [EXPORT_PATHS.refunds]: refundsCsv(history),
      [EXPORT_PATHS.calendar]: calendarIcs(history),
    },
    truth: incidentTruth(history),
  };
}

/** Writes every export under `dir` (e.g. `dir/exports/payments.csv`), creating folders as needed. */
export async function writeIncidentFiles(incident: Incident, dir: string): Promise<void> {
  for (const [path, content] of Object.entries(incident.exports)) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content, 'utf8');
  }
}
