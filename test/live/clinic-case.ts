/**
 * A clinic whose app was restarted from a stale backup and kept taking writes: the
 * case the live-database tests recover. Patients are keyed by a uuid default, with
 * e-mail unique only among rows not soft-deleted (lower(email) WHERE deleted_at IS
 * NULL); appointments by a serial the sources prove (calendar uids); invoices carry
 * their appointment's number directly (as Stripe metadata would).
 */
export const CLINIC_SCHEMA = `
CREATE TABLE patients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  full_name text NOT NULL,
  phone text,
  deleted_at timestamptz
);
CREATE UNIQUE INDEX patients_email_live ON patients (lower(email)) WHERE deleted_at IS NULL;
CREATE TABLE appointments (
  id bigserial PRIMARY KEY,
  number text NOT NULL UNIQUE,
  patient_id uuid NOT NULL REFERENCES patients (id),
  starts_at timestamptz NOT NULL,
  status text NOT NULL
);
CREATE TABLE invoices (
  id bigint PRIMARY KEY,
  appointment_id bigint NOT NULL REFERENCES appointments (id),
  amount numeric(10,2) NOT NULL
);
`;

export const ALICE = '00000000-0000-4000-8000-00000000000a';
const DAVE_OLD = '00000000-0000-4000-8000-00000000000d';

/** The backup: Alice, Dave soft-deleted, four appointments of Alice's. */
export const CLINIC_BACKUP = `
INSERT INTO patients (id, email, full_name, phone, deleted_at) VALUES
  ('${ALICE}', 'alice@x.test', 'Alice', NULL, NULL),
  ('${DAVE_OLD}', 'dave@x.test', 'Dave (old account)', '111', '2026-01-05 10:00:00+00');
INSERT INTO appointments (id, number, patient_id, starts_at, status) VALUES
  (100, 'A-100', '${ALICE}', '2026-02-01 09:00:00+00', 'booked'),
  (101, 'A-101', '${ALICE}', '2026-02-02 09:00:00+00', 'booked'),
  (102, 'A-102', '${ALICE}', '2026-02-03 09:00:00+00', 'booked'),
  (103, 'A-103', '${ALICE}', '2026-02-04 09:00:00+00', 'booked');
SELECT setval('appointments_id_seq', 103);
`;

/**
 * What the live app did after the restart: Erin, lost with the database, signed up again
 * (in capitals, no phone); a new appointment took number 104 from the restored sequence,
 * which a lost appointment had; staff completed 101 and deleted 103.
 */
export const AFTER_RESTART = `
INSERT INTO patients (email, full_name) VALUES ('ERIN@x.test', 'Erin');
INSERT INTO patients (email, full_name, phone) VALUES ('frank@x.test', 'Frank Live', '444');
INSERT INTO appointments (number, patient_id, starts_at, status) VALUES ('L-1', '${ALICE}', '2026-05-01 09:00:00+00', 'booked');
UPDATE appointments SET status = 'completed' WHERE id = 101;
DELETE FROM appointments WHERE id = 103;
`;

export const CLINIC_FILES: Record<string, string> = {
  'exports/patients.csv': ['email,name,phone', 'alice@x.test,Alice,', 'dave@x.test,Dave New,222', 'erin@x.test,Erin,333', 'frank@x.test,Frank Lost,', ''].join('\n'),
  'exports/appointments.csv': [
    'id,number,email,starts_at,status',
    '101,A-101,alice@x.test,2026-02-02T09:00:00Z,cancelled',
    '102,A-102,alice@x.test,2026-02-03T09:00:00Z,cancelled',
    '103,A-103,alice@x.test,2026-02-04T09:00:00Z,cancelled',
    '104,A-104,erin@x.test,2026-03-10T09:00:00Z,booked',
    '105,A-105,erin@x.test,2026-03-11T09:00:00Z,booked',
    '',
  ].join('\n'),
  'exports/invoices.csv': ['id,appointment,amount', '9001,104,80.50', '9002,105,60.00', ''].join('\n'),
  'mappings/patients.yaml': `table: patients
rules:
  - name: row
    source: patients
    columns:
      email: { from: data.email, transform: [email] }
      full_name: data.name
      phone: data.phone
`,
  'mappings/appointments.yaml': `table: appointments
rules:
  - name: row
    source: appointments
    columns:
      id: { from: data.id, transform: [int] }
      number: data.number
      patient_id: { from: data.email, transform: [email], lookup: { table: patients, by: email } }
      starts_at: { from: data.starts_at, transform: [timestamp] }
      status: data.status
`,
  'mappings/invoices.yaml': `table: invoices
rules:
  - name: row
    source: invoices
    columns:
      id: { from: data.id, transform: [int] }
      appointment_id: { from: data.appointment, transform: [int] }
      amount: { from: data.amount, transform: [decimal] }
`,
};

export function clinicConfig(backupUrl: string, targetUrl: string): string {
  return `job: ./recovery
backup: { url: ${JSON.stringify(backupUrl)} }
target: { url: ${JSON.stringify(targetUrl)} }
window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }
mappings: ./mappings
sources:
  patients: { kind: csv, files: [exports/patients.csv] }
  appointments: { kind: csv, files: [exports/appointments.csv] }
  invoices: { kind: csv, files: [exports/invoices.csv] }
`;
}
