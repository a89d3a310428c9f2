/**
 * A clinic group's incident, generated: a schema like most real ones (uuid keys made by
 * gen_random_uuid(), an enum, a jsonb column, soft deletes under a partial unique index,
 * a composite primary key, an updated_at trigger), a backup taken months before the loss,
 * and the sources that survived: the practitioners' calendar (ICS), cancellation mails
 * (an mbox of HTML-only messages with a table), Stripe (customers and charges, for a
 * fake Stripe server) and the patient sign-up export (CSV).
 *
 * `truth` is every row as it was when the data was lost, by natural values (never uuids,
 * which the target makes anew): what a recovery must bring back, exactly. The generator
 * is deterministic, so a test, `salvage init` or a person can run it again.
 */
import { shapes, type StripeJson } from '../../fakes/stripe/index.js';

export const CLINIC_WINDOW = { from: '2026-01-10T03:00:00Z', to: '2026-04-20T09:00:00Z' };

export const CLINIC_SCHEMA = `
CREATE TYPE appointment_status AS ENUM ('booked', 'completed', 'cancelled');
CREATE TABLE practitioners (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE,
  full_name text NOT NULL
);
CREATE TABLE patients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  full_name text NOT NULL,
  phone text,
  stripe_customer_id text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX patients_email_live ON patients (lower(email)) WHERE deleted_at IS NULL;
CREATE TABLE appointments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practitioner_id uuid NOT NULL REFERENCES practitioners (id),
  patient_id uuid NOT NULL REFERENCES patients (id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  status appointment_status NOT NULL DEFAULT 'booked',
  details jsonb NOT NULL DEFAULT '{}',
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (practitioner_id, starts_at)
);
CREATE TABLE appointment_treatments (
  appointment_id uuid NOT NULL REFERENCES appointments (id),
  code text NOT NULL,
  PRIMARY KEY (appointment_id, code)
);
CREATE TABLE payments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  stripe_charge_id text NOT NULL UNIQUE,
  patient_id uuid NOT NULL REFERENCES patients (id),
  appointment_id uuid REFERENCES appointments (id),
  amount numeric(10,2) NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER patients_touch BEFORE UPDATE ON patients FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER appointments_touch BEFORE UPDATE ON appointments FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
`;

export interface Practitioner {
  email: string;
  name: string;
}
export interface Patient {
  email: string;
  name: string;
  phone: string | null;
  stripeCustomer: string | null;
  createdAt: string;
  deletedAt: string | null;
  /** In the backup, or lost with the database. */
  inBackup: boolean;
  /** The Stripe customer object's own creation time (a customer may be far older than the patient row). */
  stripeCreatedAt?: string;
}
export interface Appointment {
  practitioner: string;
  patient: string;
  startsAt: string;
  endsAt: string;
  status: 'booked' | 'completed' | 'cancelled';
  room: string;
  uid: string;
  cancelledAt: string | null;
  createdAt: string;
  /** When the calendar event was last written (CREATED/LAST-MODIFIED). */
  modifiedAt: string;
  treatments: string[];
  inBackup: boolean;
  /** What the backup had of it, when it changed after the backup. */
  backupStatus?: Appointment['status'];
  backupCancelledAt?: string | null;
  /** Cancellation mails sent about it (their Date headers): a later one resends an earlier cancellation. */
  cancellationMails: string[];
}
export interface Payment {
  chargeId: string;
  patient: string;
  appointment: { practitioner: string; startsAt: string };
  amountCents: number;
  createdAt: string;
  inBackup: boolean;
}

export interface ClinicIncident {
  schema: string;
  /** Rows of the backup: the state at CLINIC_WINDOW.from. */
  backupSql: string;
  /** Source files by path relative to the case directory. */
  files: Record<string, string>;
  /** The Stripe account's objects, for startFakeStripe. */
  stripe: StripeJson[];
  practitioners: Practitioner[];
  patients: Patient[];
  appointments: Appointment[];
  payments: Payment[];
}

const PRACTITIONERS: Practitioner[] = [
  { email: 'hansen@nordclinic.example', name: 'Dr. Kari Hansen' },
  { email: 'berg@nordclinic.example', name: "Dr. Liam O'Berg" },
  { email: 'lie@nordclinic.example', name: 'Dr. Åse Lie' },
];

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const addMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString().replace('.000Z', 'Z');

export function generateClinicIncident(): ClinicIncident {
  const patients: Patient[] = [
    { email: 'anna@patients.example', name: 'Anna Berg', phone: '+4790000001', stripeCustomer: 'cus_Anna0001', createdAt: '2025-06-01T10:00:00Z', deletedAt: null, inBackup: true },
    { email: 'bjorn@patients.example', name: 'Bjørn Ås', phone: null, stripeCustomer: null, createdAt: '2025-07-11T11:30:00Z', deletedAt: null, inBackup: true },
    { email: 'chloe@patients.example', name: "Chloé O'Neil", phone: '+4790000003', stripeCustomer: 'cus_Chloe003', createdAt: '2025-08-20T08:15:00Z', deletedAt: null, inBackup: true },
    { email: 'dag@patients.example', name: 'Dag "Doc" Holm', phone: '+4790000004', stripeCustomer: null, createdAt: '2025-09-02T14:00:00Z', deletedAt: null, inBackup: true },
    // Soft-deleted before the backup; she signs up again in the window with the same e-mail.
    { email: 'olga@patients.example', name: 'Olga Old', phone: '+4790000005', stripeCustomer: null, createdAt: '2025-05-05T09:00:00Z', deletedAt: '2025-12-01T12:00:00Z', inBackup: true },
    // Lost: signed up in the window.
    { email: 'olga@patients.example', name: 'Olga New', phone: '+4790000015', stripeCustomer: null, createdAt: '2026-02-02T09:30:00Z', deletedAt: null, inBackup: false },
    { email: 'erik@patients.example', name: 'Erik Nilsen', phone: '+4790000016', stripeCustomer: 'cus_Erik0016', createdAt: '2026-02-14T16:45:00Z', deletedAt: null, inBackup: false, stripeCreatedAt: '2026-02-14T16:50:00Z' },
    // A customer of a sister clinic for a year, a patient here since March: only a long Stripe lookback finds the customer.
    { email: 'frida@patients.example', name: 'Frida Moe', phone: null, stripeCustomer: 'cus_Frida017', createdAt: '2026-03-03T12:00:00Z', deletedAt: null, inBackup: false, stripeCreatedAt: '2025-03-01T08:00:00Z' },
  ];
  for (const p of patients) if (p.stripeCustomer && !p.stripeCreatedAt) p.stripeCreatedAt = p.createdAt;

  const [hansen, berg, lie] = PRACTITIONERS.map((p) => p.email) as [string, string, string];
  let uid = 0;
  const appointment = (a: Omit<Appointment, 'uid' | 'endsAt' | 'cancellationMails'> & { cancellationMails?: string[] }): Appointment => ({
    ...a,
    uid: `appt-${String(++uid).padStart(3, '0')}@nordclinic.example`,
    endsAt: addMinutes(a.startsAt, 45),
    cancellationMails: a.cancellationMails ?? [],
  });
  const appointments: Appointment[] = [
    // In the backup, unchanged since.
    appointment({ practitioner: hansen, patient: 'anna@patients.example', startsAt: '2025-12-02T09:00:00Z', status: 'completed', room: '1', cancelledAt: null, createdAt: '2025-11-20T10:00:00Z', modifiedAt: '2025-12-02T10:00:00Z', treatments: ['T01'], inBackup: true }),
    appointment({ practitioner: berg, patient: 'bjorn@patients.example', startsAt: '2026-01-05T13:00:00Z', status: 'completed', room: '2', cancelledAt: null, createdAt: '2025-12-15T10:00:00Z', modifiedAt: '2026-01-05T14:00:00Z', treatments: ['T02', 'T05'], inBackup: true }),
    // In the backup as booked; cancelled in the window (the calendar says so, a mail says when).
    appointment({ practitioner: hansen, patient: 'chloe@patients.example', startsAt: '2026-02-03T09:00:00Z', status: 'cancelled', backupStatus: 'booked', backupCancelledAt: null, room: '1', cancelledAt: '2026-01-28T14:22:00Z', createdAt: '2026-01-02T10:00:00Z', modifiedAt: '2026-01-28T14:22:00Z', treatments: ['T01'], inBackup: true, cancellationMails: ['2026-01-28T14:22:00Z', '2026-02-01T08:00:00Z'] }),
    // Cancelled before the backup, which knows when; a reminder mailed in the window is a later trace of the same cancellation.
    appointment({ practitioner: lie, patient: 'dag@patients.example', startsAt: '2026-01-20T11:00:00Z', status: 'cancelled', room: '3', cancelledAt: '2026-01-08T09:10:00Z', createdAt: '2025-12-28T10:00:00Z', modifiedAt: '2026-01-08T09:10:00Z', treatments: ['T03'], inBackup: true, cancellationMails: ['2026-01-15T07:00:00Z'] }),
    // Lost: booked in the window.
    appointment({ practitioner: hansen, patient: 'anna@patients.example', startsAt: '2026-02-10T08:00:00Z', status: 'completed', room: '1', cancelledAt: null, createdAt: '2026-01-25T12:00:00Z', modifiedAt: '2026-02-10T09:00:00Z', treatments: ['T01', 'T04', 'T07'], inBackup: false }),
    appointment({ practitioner: berg, patient: 'erik@patients.example', startsAt: '2026-02-20T15:30:00Z', status: 'completed', room: '2', cancelledAt: null, createdAt: '2026-02-14T17:00:00Z', modifiedAt: '2026-02-20T16:30:00Z', treatments: ['T02'], inBackup: false }),
    appointment({ practitioner: lie, patient: 'frida@patients.example', startsAt: '2026-03-10T10:00:00Z', status: 'completed', room: '3', cancelledAt: null, createdAt: '2026-03-03T12:30:00Z', modifiedAt: '2026-03-10T11:00:00Z', treatments: ['T05', 'T06'], inBackup: false }),
    appointment({ practitioner: hansen, patient: 'frida@patients.example', startsAt: '2026-04-22T07:00:00Z', status: 'booked', room: '1', cancelledAt: null, createdAt: '2026-04-01T09:00:00Z', modifiedAt: '2026-04-01T09:00:00Z', treatments: ['T01'], inBackup: false }),
    appointment({ practitioner: berg, patient: 'chloe@patients.example', startsAt: '2026-03-18T12:00:00Z', status: 'cancelled', room: '2', cancelledAt: '2026-03-16T18:05:00Z', createdAt: '2026-03-01T10:00:00Z', modifiedAt: '2026-03-16T18:05:00Z', treatments: ['T02', 'T03'], inBackup: false, cancellationMails: ['2026-03-16T18:05:00Z'] }),
    // Two practitioners at the same hour: only practitioner and start together find the appointment.
    appointment({ practitioner: lie, patient: 'anna@patients.example', startsAt: '2026-02-10T08:00:00Z', status: 'completed', room: '3', cancelledAt: null, createdAt: '2026-01-30T08:00:00Z', modifiedAt: '2026-02-10T09:00:00Z', treatments: ['T08'], inBackup: false }),
  ];

  const payments: Payment[] = [
    { chargeId: 'ch_Anna1202', patient: 'anna@patients.example', appointment: { practitioner: hansen, startsAt: '2025-12-02T09:00:00Z' }, amountCents: 65000, createdAt: '2025-12-02T10:05:00Z', inBackup: true },
    { chargeId: 'ch_Anna0210', patient: 'anna@patients.example', appointment: { practitioner: hansen, startsAt: '2026-02-10T08:00:00Z' }, amountCents: 80050, createdAt: '2026-02-10T09:10:00Z', inBackup: false },
    { chargeId: 'ch_Anna0210b', patient: 'anna@patients.example', appointment: { practitioner: lie, startsAt: '2026-02-10T08:00:00Z' }, amountCents: 42000, createdAt: '2026-02-10T09:12:00Z', inBackup: false },
    { chargeId: 'ch_Erik0220', patient: 'erik@patients.example', appointment: { practitioner: berg, startsAt: '2026-02-20T15:30:00Z' }, amountCents: 99900, createdAt: '2026-02-20T16:40:00Z', inBackup: false },
    { chargeId: 'ch_Frida310', patient: 'frida@patients.example', appointment: { practitioner: lie, startsAt: '2026-03-10T10:00:00Z' }, amountCents: 123456, createdAt: '2026-03-10T11:05:00Z', inBackup: false },
  ];

  return {
    schema: CLINIC_SCHEMA,
    backupSql: backupSql(patients, appointments, payments),
    files: {
      'exports/calendar.ics': calendarIcs(appointments),
      'exports/cancellations.mbox': cancellationMbox(appointments, patients),
      'exports/signups.csv': signupsCsv(patients),
      ...CLINIC_MAPPINGS,
    },
    stripe: stripeObjects(patients, payments),
    practitioners: PRACTITIONERS,
    patients,
    appointments,
    payments,
  };
}

function sqlText(value: string | null): string {
  return value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`;
}

/** The details jsonb as the calendar rule builds it. */
export function detailsOf(a: Appointment): Record<string, unknown> {
  return { room: a.room, source: { system: 'calendar', uid: a.uid } };
}

/**
 * The backup's rows, their uuids fixed (as a restored dump has them), so that the target
 * restored from the same backup has the same keys.
 */
function backupSql(patients: Patient[], appointments: Appointment[], payments: Payment[]): string {
  const lines: string[] = [];
  let n = 0;
  const uuid = () => `'00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}'`;
  for (const p of PRACTITIONERS) lines.push(`INSERT INTO practitioners (id, email, full_name) VALUES (${uuid()}, ${sqlText(p.email)}, ${sqlText(p.name)});`);
  for (const p of patients.filter((x) => x.inBackup)) {
    lines.push(
      `INSERT INTO patients (id, email, full_name, phone, stripe_customer_id, created_at, updated_at, deleted_at) VALUES (${uuid()}, ${[p.email, p.name, p.phone, p.stripeCustomer, p.createdAt, p.deletedAt ?? p.createdAt, p.deletedAt].map(sqlText).join(', ')});`,
    );
  }
  const patientId = (email: string) => `(SELECT id FROM patients WHERE email = ${sqlText(email)} AND deleted_at IS NULL)`;
  const practitionerId = (email: string) => `(SELECT id FROM practitioners WHERE email = ${sqlText(email)})`;
  const appointmentId = (practitioner: string, startsAt: string) => `(SELECT id FROM appointments WHERE practitioner_id = ${practitionerId(practitioner)} AND starts_at = ${sqlText(startsAt)})`;
  for (const a of appointments.filter((x) => x.inBackup)) {
    const status = a.backupStatus ?? a.status;
    const cancelledAt = a.backupCancelledAt !== undefined ? a.backupCancelledAt : a.cancelledAt;
    lines.push(
      `INSERT INTO appointments (id, practitioner_id, patient_id, starts_at, ends_at, status, details, cancelled_at, created_at, updated_at) VALUES (${uuid()}, ${practitionerId(a.practitioner)}, ${patientId(a.patient)}, ${sqlText(a.startsAt)}, ${sqlText(a.endsAt)}, ${sqlText(status)}, ${sqlText(JSON.stringify(detailsOf(a)))}, ${sqlText(cancelledAt)}, ${sqlText(a.createdAt)}, ${sqlText(a.createdAt)});`,
    );
    for (const code of a.treatments) lines.push(`INSERT INTO appointment_treatments (appointment_id, code) VALUES (${appointmentId(a.practitioner, a.startsAt)}, ${sqlText(code)});`);
  }
  for (const p of payments.filter((x) => x.inBackup)) {
    lines.push(
      `INSERT INTO payments (id, stripe_charge_id, patient_id, appointment_id, amount, created_at) VALUES (${uuid()}, ${sqlText(p.chargeId)}, ${patientId(p.patient)}, ${appointmentId(p.appointment.practitioner, p.appointment.startsAt)}, ${(p.amountCents / 100).toFixed(2)}, ${sqlText(p.createdAt)});`,
    );
  }
  return lines.join('\n');
}

const icsTime = (iso: string) => iso.replace(/[-:]/g, '').replace('.000', '');

function icsText(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll(',', '\\,').replaceAll(';', '\\;');
}

/** The practitioners' shared calendar, exported at the loss: every appointment, old ones included (the window leaves them out). */
function calendarIcs(appointments: Appointment[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Nord Clinic//Bookings 4.2//EN'];
  for (const a of appointments) {
    const practitioner = PRACTITIONERS.find((p) => p.email === a.practitioner) as Practitioner;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${a.uid}`,
      `DTSTAMP:${icsTime(CLINIC_WINDOW.to)}`,
      `DTSTART:${icsTime(a.startsAt)}`,
      `DTEND:${icsTime(a.endsAt)}`,
      `SUMMARY:${icsText(`Consultation (room ${a.room})`)}`,
      `DESCRIPTION:${icsText(`Treatments: ${a.treatments.join(', ')}\nRoom: ${a.room}\nBooked online`)}`,
      `ORGANIZER;CN=${JSON.stringify(practitioner.name)}:mailto:${a.practitioner}`,
      `ATTENDEE;CN=Patient;PARTSTAT=ACCEPTED:mailto:${a.patient}`,
      `STATUS:${a.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED'}`,
      `CREATED:${icsTime(a.createdAt)}`,
      `LAST-MODIFIED:${icsTime(a.modifiedAt)}`,
      `X-CLINIC-STATE:${a.status}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}

const OSLO = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

function osloLocal(iso: string): string {
  const parts = Object.fromEntries(OSLO.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}`;
}

/** HTML-only cancellation mails (the booking system sends no text part), one per mail sent. */
function cancellationMbox(appointments: Appointment[], patients: Patient[]): string {
  const messages: string[] = [];
  let n = 0;
  for (const a of appointments) {
    for (const sent of a.cancellationMails) {
      n++;
      const practitioner = PRACTITIONERS.find((p) => p.email === a.practitioner) as Practitioner;
      const patient = patients.find((p) => p.email === a.patient && p.deletedAt === null) as Patient;
      const html =
        `<html><head><style>td { padding: 4px }</style></head><body><p>Dear ${escapeHtml(patient.name)},</p>` +
        `<p>your appointment has been <b>cancelled</b>.</p><table>` +
        `<tr><td>Practitioner</td><td>${escapeHtml(practitioner.name)} &lt;${a.practitioner}&gt;</td></tr>` +
        `<tr><td>Starts</td><td>${osloLocal(a.startsAt)}</td></tr>` +
        `<tr><td>Room</td><td>${a.room}</td></tr></table>` +
        `<p>Book again at <a href="https://nordclinic.example/book?ref=${encodeURIComponent(a.uid)}">our site</a>.</p></body></html>`;
      const date = new Date(sent).toUTCString().replace('GMT', '+0000');
      messages.push(
        [
          `From bookings@nordclinic.example ${new Date(sent).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (.+) GMT$/, '$1 $3 $2 $5 $4')}`,
          'From: Nord Clinic <bookings@nordclinic.example>',
          `To: ${patient.email}`,
          'Subject: Your appointment is cancelled',
          `Date: ${date}`,
          `Message-ID: <cancel-${n}@nordclinic.example>`,
          'MIME-Version: 1.0',
          'Content-Type: text/html; charset=utf-8',
          'Content-Transfer-Encoding: 8bit',
          '',
          html,
          '',
        ].join('\n'),
      );
    }
  }
  return messages.join('\n');
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The sign-up export, taken at the loss: every patient not deleted. */
function signupsCsv(patients: Patient[]): string {
  const rows = patients.filter((p) => p.deletedAt === null).map((p) => [p.email, p.name, p.phone ?? '', p.stripeCustomer ?? '', p.createdAt].map(csvField).join(','));
  return ['email,name,phone,stripe_customer,signed_up_at', ...rows, ''].join('\n');
}

function stripeObjects(patients: Patient[], payments: Payment[]): StripeJson[] {
  const objects: StripeJson[] = [];
  for (const p of patients) {
    if (!p.stripeCustomer) continue;
    objects.push(shapes.customer({ id: p.stripeCustomer, created: unix(p.stripeCreatedAt ?? p.createdAt), email: p.email, name: p.name, phone: p.phone }));
  }
  for (const pay of payments) {
    const customer = patients.find((p) => p.email === pay.patient && p.deletedAt === null)?.stripeCustomer ?? null;
    objects.push(
      shapes.charge({
        id: pay.chargeId,
        created: unix(pay.createdAt),
        amount: pay.amountCents,
        customer,
        email: pay.patient,
        description: 'Consultation',
        metadata: { practitioner: pay.appointment.practitioner, starts_at: pay.appointment.startsAt },
      }),
    );
  }
  return objects;
}

/** The hand-written mappings, using the verbs a schema like this needs. */
export const CLINIC_MAPPINGS: Record<string, string> = {
  'mappings/patients.yaml': `table: patients
prefer: [signups, stripe]
keep_existing: [created_at]
rules:
  - name: signup
    source: signups
    type: csv.row
    columns:
      email: { from: data.email, transform: [email] }
      full_name: data.name
      phone: data.phone
      stripe_customer_id: data.stripe_customer
      created_at: { from: data.signed_up_at, transform: [timestamp] }
  - name: stripe-customer
    source: stripe
    type: stripe.customer
    columns:
      email: { from: data.email, transform: [email] }
      full_name: data.name
      stripe_customer_id: data.id
`,
  'mappings/appointments.yaml': `table: appointments
match: [[practitioner_id, starts_at]]
merge:
  cancelled_at: min
  status: { prefer: [calendar, mail] }
keep_existing: [created_at, cancelled_at]
rules:
  - name: calendar-event
    source: calendar
    type: calendar.event
    extract:
      - { from: data.description, pattern: '^Room: (?<room>\\S+)$', flags: m }
    columns:
      practitioner_id: { from: data.organizer.email, transform: [email], lookup: { table: practitioners, by: email } }
      patient_id: { from: 'data.attendees[0].email', transform: [email], lookup: { table: patients, by: email } }
      starts_at: { from: data.start, transform: [timestamp] }
      ends_at: { from: data.end, transform: [timestamp] }
      details:
        json:
          room: $room
          source:
            json:
              system: { value: calendar }
              uid: data.uid
      created_at: { from: data.created, transform: [timestamp] }
  # The calendar knows a status by its own words and by the clock: one small rule each.
  - name: calendar-cancelled
    source: calendar
    type: calendar.event
    when: { data.status: CANCELLED }
    columns: &slot
      practitioner_id: { from: data.organizer.email, transform: [email], lookup: { table: practitioners, by: email } }
      starts_at: { from: data.start, transform: [timestamp] }
      status: { value: cancelled }
  - name: calendar-completed
    source: calendar
    type: calendar.event
    when: { data.status: CONFIRMED, data.end: { lt: '${CLINIC_WINDOW.to}' } }
    columns: { <<: *slot, status: { value: completed } }
  - name: calendar-booked
    source: calendar
    type: calendar.event
    when: { data.status: CONFIRMED, data.end: { gte: '${CLINIC_WINDOW.to}' } }
    columns: { <<: *slot, status: { value: booked } }
  - name: cancellation-mail
    source: mail
    type: email.message
    when: { data.subject: 'Your appointment is cancelled' }
    extract:
      - { from: data.htmlAsText, pattern: '^Practitioner\\t.*<(?<practitioner>[^>]+)>$', flags: m }
      - { from: data.htmlAsText, pattern: '^Starts\\t(?<start>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d)$', flags: m }
    columns:
      practitioner_id: { from: $practitioner, transform: [email], lookup: { table: practitioners, by: email } }
      starts_at: { from: $start, transform: [{ timestamp: { tz: Europe/Oslo, format: 'yyyy-MM-dd HH:mm' } }] }
      status: { value: cancelled }
      cancelled_at: { from: data.date, transform: [timestamp] }
`,
  'mappings/appointment_treatments.yaml': `table: appointment_treatments
rules:
  - name: treatment-codes
    source: calendar
    type: calendar.event
    extract:
      - { from: data.description, pattern: '^Treatments: (?<codes>.+)$', flags: m }
    each: { from: $codes, split: ',' }
    columns:
      appointment_id:
        lookup:
          table: appointments
          by:
            practitioner_id: { from: data.organizer.email, transform: [email], lookup: { table: practitioners, by: email } }
            starts_at: { from: data.start, transform: [timestamp] }
      code: { from: $item, transform: [upper] }
`,
  'mappings/payments.yaml': `table: payments
rules:
  - name: stripe-charge
    source: stripe
    type: stripe.charge
    when: { data.status: succeeded }
    columns:
      stripe_charge_id: data.id
      patient_id: { from: [data.customer.id, data.customer], lookup: { table: patients, by: stripe_customer_id } }
      appointment_id:
        lookup:
          table: appointments
          by:
            practitioner_id: { from: data.metadata.practitioner, transform: [email], lookup: { table: practitioners, by: email } }
            starts_at: { from: data.metadata.starts_at, transform: [timestamp] }
      amount: { from: data.amount, transform: [cents_to_amount] }
      created_at: { from: data.created, transform: [{ timestamp: { unix: s } }] }
`,
};

/** salvage.yaml for the case: Stripe reaches back over a year, mail and the calendar keep the window. */
export function clinicConfig(backupUrl: string, targetUrl: string, stripeUrl: string, stripeKeyEnv: string): string {
  return `job: ./recovery
backup: { url: ${JSON.stringify(backupUrl)} }
target: { url: ${JSON.stringify(targetUrl)} }
window: { from: ${CLINIC_WINDOW.from}, to: ${CLINIC_WINDOW.to} }
mappings: ./mappings
sources:
  calendar: { kind: ics, files: [exports/calendar.ics] }
  mail: { kind: eml, files: [exports/cancellations.mbox] }
  signups: { kind: csv, files: [exports/signups.csv] }
  stripe: { kind: stripe, apiKey: env:${stripeKeyEnv}, apiBase: ${JSON.stringify(stripeUrl)}, objects: [customers, charges], lookback: 400d }
`;
}
