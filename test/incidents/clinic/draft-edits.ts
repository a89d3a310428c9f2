/**
 * What a reviewer writes by hand on top of `salvage init`'s first draft for the clinic,
 * each edit with its reason: the wrong guesses corrected, and what init cannot know
 * (the status the clock decides, the mail that says when, the jsonb details, the
 * treatment codes one event lists). clinic-from-init.test.ts applies them and
 * recovers exactly what the sources prove.
 *
 * The draft has no TODO: every required column got a field or is left to its default.
 * Its wrong guesses are the seven fixes below. Four change the recovered rows here (the
 * match by a key unique only among live rows, created_at from Stripe, the sign-ups'
 * when:, the status map); the other three write wrong values this data happens not to
 * show (updated_at from Stripe's creation time, the attendee's "Patient" as a name,
 * the card's name as a practitioner's). A reviewer fixes them all the same.
 */
import type { DraftEdit } from './edit-draft.js';
import { CLINIC_MAPPINGS, CLINIC_WINDOW } from './generate.js';

/** init's wrong guesses, corrected. */
export const WRONG_GUESS_FIXES: DraftEdit[] = [
  {
    file: 'patients.yaml',
    why: 'email is unique among live rows only (a partial index): matched by it, Olga\'s new sign-up is taken for her soft-deleted row; reconcile checks that index over the live rows itself',
    line: 'match: ',
    becomes: ['match: [[stripe_customer_id]]'],
  },
  {
    file: 'patients.yaml',
    why: 'when Stripe made the customer is not when the patient was made (minutes later for Erik, a year before for Frida)',
    line: 'created_at: { from: createdAt,',
    becomes: [],
  },
  {
    file: 'patients.yaml',
    why: 'when Stripe made the customer is not when the patient last changed',
    line: 'updated_at: { from: createdAt,',
    becomes: [],
  },
  {
    file: 'patients.yaml',
    why: 'the calendar names every attendee "Patient": it says nothing about a patient the sign-ups and Stripe do not say better',
    dropRule: 'calendar-event',
  },
  {
    file: 'patients.yaml',
    why: 'a sign-up without a Stripe customer is still a patient (Olga signed up again and never paid by card)',
    line: 'when:',
    andNext: 1,
    becomes: [],
  },
  {
    file: 'practitioners.yaml',
    why: 'the name on a card is the patient\'s who paid, not the practitioner\'s named in the charge\'s metadata',
    dropRule: 'stripe-charge',
  },
  {
    file: 'appointments.yaml',
    why: 'CONFIRMED is booked only until the appointment ends, then completed: the clock decides (the hand-written status rules below)',
    line: 'status: { from: data.status,',
    becomes: [],
  },
];

/** What init cannot know, written by hand. */
export const WHAT_INIT_CANNOT_KNOW: DraftEdit[] = [
  {
    file: 'appointments.yaml',
    why: 'the mail says when an appointment was cancelled (the earliest mail wins), the calendar says that it was; neither moves what the backup holds',
    line: 'keep_existing: ',
    becomes: ['merge:', '  cancelled_at: min', '  status: { prefer: [calendar, mail] }', 'keep_existing: [created_at, cancelled_at]'],
  },
  {
    file: 'appointments.yaml',
    why: 'the room is written in the event description; details records it with where the row came from',
    after: 'data.status: { in: [CONFIRMED, CANCELLED] }',
    add: ['    extract:', "      - { from: data.description, pattern: '^Room: (?<room>\\S+)$', flags: m }"],
  },
  {
    file: 'appointments.yaml',
    why: 'a jsonb value built from fields: init leaves JSON columns out',
    line: '# details:',
    becomes: ['      details:', '        json:', '          room: $room', '          source:', '            json:', '              system: { value: calendar }', '              uid: data.uid'],
  },
  {
    file: 'appointments.yaml',
    why: 'status by the calendar\'s word and the clock, and the cancellation mails with their HTML table',
    after: 'created_at: { from: data.created,',
    add: appointmentRulesByHand(),
  },
  {
    file: 'payments.yaml',
    why: 'the charge\'s metadata names the practitioner and the start: the appointment, by its composite unique key',
    line: '# appointment_id:',
    becomes: [
      '      appointment_id:',
      '        lookup:',
      '          table: appointments',
      '          by:',
      '            practitioner_id: { from: data.metadata.practitioner, transform: [email], lookup: { table: practitioners, by: email } }',
      '            starts_at: { from: data.metadata.starts_at, transform: [timestamp] }',
    ],
  },
  {
    file: 'appointment_treatments.yaml',
    why: 'init writes no file: one event lists several codes (each:), and the key is the appointment, found by practitioner and start',
    write: CLINIC_MAPPINGS['mappings/appointment_treatments.yaml'] as string,
  },
];

/** The rules the hand-written mapping has beyond the calendar event, from the same text. */
function appointmentRulesByHand(): string[] {
  const text = CLINIC_MAPPINGS['mappings/appointments.yaml'] as string;
  const from = text.indexOf('  # The calendar knows a status');
  if (from < 0 || !text.includes(CLINIC_WINDOW.to)) throw new Error('the hand-written appointments mapping changed: update the clinic draft edits');
  return text.slice(from).trimEnd().split('\n');
}
