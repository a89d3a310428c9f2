/**
 * A Google Calendar event that cannot be read (a start that is not a time, a field of the
 * wrong type, no id) is rejected alone, with its calendar and id and what was wrong; every
 * other event is pulled as from a calendar without it. Through googleapis against the fake.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bookingId, KAYAKS } from '../fakes/google-calendar/scenario.js';
import { startKit, type CalendarTestKit } from '../fakes/google-calendar/test-kit.js';
import { recordRef } from '../../connectors/google-calendar/event-record.js';

const kits: CalendarTestKit[] = [];
afterEach(async () => {
  await Promise.all(kits.splice(0).map((kit) => kit.close()));
});

async function kit(): Promise<CalendarTestKit> {
  const started = await startKit({ pageSize: 50 });
  kits.push(started);
  return started;
}

const rejections = (logs: string[]) => logs.filter((line) => line.startsWith('rejected: '));

describe('google-calendar: an event that cannot be read is rejected alone', () => {
  it('rejects each broken event once with its ref and why; every other event is pulled as without them', async () => {
    // One kit at a time: each guards the process's network for its own server.
    const first = await kit();
    const clean = await first.pull();
    await Promise.all(kits.splice(0).map((k) => k.close()));
    const broken = await kit();
    const store = broken.server.store;
    store.malform(KAYAKS, bookingId(5), (event) => ({ ...event, start: { dateTime: 'next Tuesday at ten', timeZone: 'Europe/Oslo' } }));
    store.malform(KAYAKS, bookingId(17), (event) => ({ ...event, summary: 42 }));
    store.malform(KAYAKS, bookingId(33), (event) => ({ ...event, attendees: 'guest33@example.com' }));
    store.malform(KAYAKS, bookingId(60), (event) => ({ ...event, updated: 'yesterday' }));
    store.malform(KAYAKS, bookingId(90), (event) => ({ ...event, id: undefined }));
    const pulled = await broken.pull();

    const brokenIds = [5, 17, 33, 60, 90].map((n) => `${KAYAKS}/${bookingId(n)}`);
    expect(pulled.records.map((r) => r.id).sort()).toEqual(clean.records.map((r) => r.id).filter((id) => !brokenIds.includes(id)).sort());
    const lines = rejections(pulled.logs);
    expect(lines).toHaveLength(5);
    expect(lines).toContain(
      `rejected: ${recordRef(KAYAKS, bookingId(5))}: calendar event: its "start" has the dateTime the text "next Tuesday at ten", not an RFC 3339 time; ` +
        'the other events are pulled (open the event in Google Calendar to see it as Google keeps it)',
    );
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^rejected: ${escape(recordRef(KAYAKS, bookingId(17)))}: calendar event: its "summary" is the number 42, where Google sends text;`)));
    expect(lines).toContainEqual(expect.stringMatching(/: its "attendees" is the text "guest33@example\.com", where Google sends a list;/));
    expect(lines).toContainEqual(expect.stringMatching(/: its "updated" is the text "yesterday", not an RFC 3339 time;/));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^rejected: gcal://${escape(KAYAKS)} \\(an event without an id "Single kayak – Booking REF090"\\): calendar event: it has no id \\(id is missing\\);`)));
    // The calendar's summary line counts them.
    expect(pulled.logs).toContainEqual(expect.stringMatching(/^calendar "c_kayaks0fjord@group\.calendar\.google\.com": listed in full: .*; 5 could not be read and were rejected$/));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
