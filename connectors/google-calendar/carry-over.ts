import type { SourceRecord } from '../../src/records/envelope.js';
import { calendarOf, isGoogleCalendarRecord } from './previous-records.js';
import { recordYielded, type PullRun } from './pull-run.js';

/**
 * After the listing: the last pull's records that nothing listed today replaced. For a
 * calendar read through its sync token they are simply unchanged. For a calendar listed
 * in full, or one not pulled this time, they are events the source no longer shows
 * (purged tombstones, a calendar removed from the list): still evidence, so they are
 * kept as last seen (their `observedAt` says when) and reported, never dropped quietly.
 */
export async function* carryOverPrevious(run: PullRun): AsyncGenerator<SourceRecord> {
  const pulled = new Set(run.state.calendars.map((calendar) => calendar.id));
  const listedInFull = new Set(run.state.fullyListed);
  let unchanged = 0;
  let notOurs = 0;
  const missing = new Map<string, number>();
  const notPulled = new Map<string, number>();
  for (const record of run.previous.byId.values()) {
    run.context.signal?.throwIfAborted();
    if (run.listed.has(record.id)) continue;
    if (!isGoogleCalendarRecord(record)) {
      notOurs++;
      continue;
    }
    const calendar = calendarOf(record) ?? '(unknown)';
    if (!pulled.has(calendar)) notPulled.set(calendar, (notPulled.get(calendar) ?? 0) + 1);
    else if (listedInFull.has(calendar)) missing.set(calendar, (missing.get(calendar) ?? 0) + 1);
    else unchanged++;
    recordYielded(run, record, { listed: false });
    run.progress.add('events kept from the last pull');
    yield record;
  }

  const log = run.context.log;
  if (unchanged > 0) log(`${unchanged} unchanged events kept from the last pull`);
  for (const [calendar, n] of missing) {
    log(
      `warning: calendar "${calendar}": ${n} events of the last pull are missing from today's full listing ` +
        '(deleted and purged by Google, moved to another calendar, or outside the window); kept as last seen',
    );
  }
  for (const [calendar, n] of notPulled) {
    log(`warning: calendar "${calendar}" was not pulled this time; its ${n} events from the last pull are kept as last seen`);
  }
  if (notOurs > 0) log(`${notOurs} records of the last pull were not written by the google-calendar connector and are not carried over`);
}
