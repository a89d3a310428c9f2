import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import { InvalidInputError } from '../../src/errors.js';
import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { mapWorkerScript } from '../../src/reconcile/parallel-map.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { createTestDatabase, postgresAvailable, runSql } from '../support/postgres.js';
import { seededDatabase } from '../support/seeded-database.js';
import { smallJob, type TestRecord } from '../support/small-job.js';

const pgUp = await postgresAvailable();

async function changesetOf(dir: string): Promise<{ text: string; changes: Change[] }> {
  const text = (await readFile(path.join(dir, 'recovery', 'changeset.json'), 'utf8')).replace(/"createdAt":"[^"]*"/, '"createdAt":""');
  return { text, changes: (JSON.parse(text) as Changeset).changes };
}

const byId = (changes: Change[], id: string) => changes.find((c) => c.id === id);
const byReference = (changes: Change[], reference: string) => changes.find((c) => c.values.reference === reference);

// The calendar id of one vehicle is the plate of the other: a rule that looks a value up
// by the other rule's column finds a row, the wrong one.
const FLEET_SQL = `
CREATE TABLE vehicles (
  id serial PRIMARY KEY,
  plate text NOT NULL UNIQUE,
  calendar_id text UNIQUE
);
CREATE TABLE trips (
  id serial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  vehicle_id integer NOT NULL REFERENCES vehicles (id)
);
INSERT INTO vehicles (id, plate, calendar_id) VALUES (1, 'XY 1001', 'ZZ 9009'), (2, 'ZZ 9009', 'cal-truck');
SELECT setval('vehicles_id_seq', 2);
`;

const TRIPS_YAML = `table: trips
rules:
  - name: calendar
    source: calendar
    type: calendar.event
    columns:
      reference: data.ref
      vehicle_id: { from: data.calendar, lookup: { table: vehicles, by: calendar_id } }
  - name: email
    source: mail
    type: email.message
    columns:
      reference: data.ref
      vehicle_id: { from: data.plate, lookup: { table: vehicles, by: plate } }
`;

// Vehicles rebuilt in the run too: a new one (key from the sequence) that both rules look up.
const VEHICLES_YAML = `table: vehicles
rules:
  - name: fleet
    source: fleet
    type: fleet.vehicle
    columns:
      plate: data.plate
      calendar_id: data.calendar
`;

const FLEET_RECORDS: Record<string, TestRecord[]> = {
  calendar: [
    { type: 'calendar.event', id: 'e1', data: { ref: 'T-CAL-1', calendar: 'ZZ 9009' } },
    { type: 'calendar.event', id: 'e2', data: { ref: 'T-CAL-NEW', calendar: 'cal-new' } },
  ],
  mail: [
    { type: 'email.message', id: 'm1', data: { ref: 'T-MAIL-2', plate: 'ZZ 9009' } },
    { type: 'email.message', id: 'm2', data: { ref: 'T-MAIL-NEW', plate: 'NW 3003' } },
  ],
  fleet: [{ type: 'fleet.vehicle', id: 'v3', data: { plate: 'NW 3003', calendar: 'cal-new' } }],
};

describe.runIf(pgUp)('two rules fill one foreign key by different natural keys', () => {
  const backup = seededDatabase('lookup_two_keys', FLEET_SQL);

  it('each rule resolves by its own key, from the backup and from rows rebuilt in the run', async () => {
    const { dir, config } = await smallJob({ label: 'lookup-two-keys', backupUrl: backup.url, mappings: { 'trips.yaml': TRIPS_YAML, 'vehicles.yaml': VEHICLES_YAML }, records: FLEET_RECORDS });
    await reconcile({ config, mapParallelism: { workers: 0 } });
    const { changes } = await changesetOf(dir);
    // Vehicle 1 has calendar ZZ 9009; vehicle 2 has plate ZZ 9009.
    expect(byReference(changes, 'T-CAL-1')).toMatchObject({ kind: 'insert', values: { vehicle_id: '1' } });
    expect(byReference(changes, 'T-MAIL-2')).toMatchObject({ kind: 'insert', values: { vehicle_id: '2' } });
    // The new vehicle (its key made by the target at apply time): both rules find it, each by its own column.
    const vehicle = changes.find((c) => c.table === 'public.vehicles');
    expect(vehicle).toMatchObject({ kind: 'insert', values: { plate: 'NW 3003', calendar_id: 'cal-new' } });
    expect(byReference(changes, 'T-CAL-NEW')).toMatchObject({ kind: 'insert', keyRefs: { vehicle_id: vehicle?.id } });
    expect(byReference(changes, 'T-MAIL-NEW')).toMatchObject({ kind: 'insert', keyRefs: { vehicle_id: vehicle?.id } });
  });

  it('a parent no mapping rebuilds is looked up by each rule’s own key too', async () => {
    const { dir, config } = await smallJob({ label: 'lookup-two-keys-backup', backupUrl: backup.url, mappings: { 'trips.yaml': TRIPS_YAML }, records: { calendar: FLEET_RECORDS.calendar ?? [], mail: FLEET_RECORDS.mail ?? [] } });
    await reconcile({ config, mapParallelism: { workers: 0 } });
    const { changes } = await changesetOf(dir);
    expect(byReference(changes, 'T-CAL-1')).toMatchObject({ kind: 'insert', values: { vehicle_id: '1' } });
    expect(byReference(changes, 'T-MAIL-2')).toMatchObject({ kind: 'insert', values: { vehicle_id: '2' } });
    expect(byReference(changes, 'T-CAL-NEW')).toMatchObject({ kind: 'unrecoverable', reason: 'missing-parent' });
  });

  it('mapping in worker threads gives the same changeset, byte for byte', async () => {
    expect(mapWorkerScript()).toBeDefined(); // npm test builds first
    // Enough records that the files are cut into several chunks.
    const many: Record<string, TestRecord[]> = {
      calendar: Array.from({ length: 300 }, (_, i) => ({ type: 'calendar.event', id: `e${i}`, data: { ref: `C${i}`, calendar: i % 2 ? 'ZZ 9009' : 'cal-new' } })),
      mail: Array.from({ length: 300 }, (_, i) => ({ type: 'email.message', id: `m${i}`, data: { ref: `M${i}`, plate: i % 2 ? 'ZZ 9009' : 'NW 3003' } })),
      fleet: FLEET_RECORDS.fleet ?? [],
    };
    const { dir, config } = await smallJob({ label: 'lookup-two-keys-workers', backupUrl: backup.url, mappings: { 'trips.yaml': TRIPS_YAML, 'vehicles.yaml': VEHICLES_YAML }, records: many });
    await reconcile({ config, mapParallelism: { workers: 0 } });
    const inline = await changesetOf(dir);
    await reconcile({ config, mapParallelism: { workers: 2, chunkBytes: 2048 } });
    const parallel = await changesetOf(dir);
    expect(parallel.text).toBe(inline.text);
    expect(byReference(parallel.changes, 'C1')?.values.vehicle_id).toBe('1');
    expect(byReference(parallel.changes, 'M1')?.values.vehicle_id).toBe('2');
    const vehicle = parallel.changes.find((c) => c.table === 'public.vehicles')?.id;
    expect(vehicle).toBeDefined();
    expect(byReference(parallel.changes, 'C0')?.keyRefs?.vehicle_id).toBe(vehicle);
    expect(byReference(parallel.changes, 'M0')?.keyRefs?.vehicle_id).toBe(vehicle);
  });
});

// A clinic that soft-deletes: an e-mail is unique among the patients not deleted only.
const CLINIC_SQL = `
CREATE TABLE patients (
  id serial PRIMARY KEY,
  email text NOT NULL,
  full_name text,
  deleted_at timestamptz
);
CREATE UNIQUE INDEX patients_live_email ON patients (lower(email)) WHERE deleted_at IS NULL;
CREATE TABLE appointments (
  id serial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  patient_id integer NOT NULL REFERENCES patients (id)
);
INSERT INTO patients (id, email, full_name, deleted_at) VALUES
  (1, 'ann@example.org', 'Ann (left)', '2025-12-01T00:00:00Z'),
  (2, 'ann@example.org', 'Ann', NULL),
  (3, 'bob@old.example.org', 'Bob', NULL),
  (4, 'cat@example.org', 'Cat (left)', '2025-11-01T00:00:00Z'),
  (5, 'dan@example.org', 'Dan', NULL);
SELECT setval('patients_id_seq', 5);
`;

const PATIENTS_YAML = `table: patients
rules:
  - name: intake
    source: intake
    type: intake.form
    columns:
      id: { from: data.id, transform: [int] }
      email: data.email
      full_name: data.name
`;

const APPOINTMENTS_YAML = `table: appointments
rules:
  - name: booking
    source: calendar
    type: calendar.event
    columns:
      reference: data.ref
      patient_id: { from: data.email, lookup: { table: patients, by: email } }
`;

describe.runIf(pgUp)('a lookup value that more than one row has is ambiguous, never a pick', () => {
  const backup = seededDatabase('lookup_ambiguous', CLINIC_SQL);
  let changes: Change[];

  beforeAll(async () => {
    const { dir, config } = await smallJob({
      label: 'lookup-ambiguous',
      backupUrl: backup.url,
      mappings: { 'patients.yaml': PATIENTS_YAML, 'appointments.yaml': APPOINTMENTS_YAML },
      records: {
        intake: [
          // Cat signs up again with the e-mail of her soft-deleted row: a new row.
          { type: 'intake.form', id: 'f1', data: { email: 'cat@example.org', name: 'Cat' } },
          // Bob's new e-mail: an update of his row, which stays one row.
          { type: 'intake.form', id: 'f2', data: { id: '3', email: 'bob@example.org', name: 'Bob' } },
          // Two new sign-ups with one e-mail.
          { type: 'intake.form', id: 'f3', data: { email: 'eve@example.org', name: 'Eve' } },
          { type: 'intake.form', id: 'f4', data: { email: 'eve@example.org', name: 'Eve B.' } },
        ],
        calendar: [
          { type: 'calendar.event', id: 'a1', data: { ref: 'A-ANN', email: 'ann@example.org' } },
          { type: 'calendar.event', id: 'a2', data: { ref: 'A-CAT', email: 'cat@example.org' } },
          { type: 'calendar.event', id: 'a3', data: { ref: 'A-BOB', email: 'bob@example.org' } },
          { type: 'calendar.event', id: 'a4', data: { ref: 'A-DAN', email: 'dan@example.org' } },
          { type: 'calendar.event', id: 'a5', data: { ref: 'A-EVE', email: 'eve@example.org' } },
        ],
      },
    });
    await reconcile({ config, mapParallelism: { workers: 0 } });
    changes = (await changesetOf(dir)).changes;
  });

  it('a soft-deleted and a live backup row with the value: unrecoverable, naming both', () => {
    expect(byReference(changes, 'A-ANN')).toMatchObject({
      kind: 'unrecoverable',
      reason: 'missing-parent',
      detail: 'patient_id: email = "ann@example.org" matches 2 public.patients rows (id 1 in the backup; id 2 in the backup); salvage does not pick one: fix the duplicate, or look the parent up by a column that tells them apart',
    });
  });

  it('a soft-deleted backup row and a new row rebuilt in the run: unrecoverable, naming both', () => {
    // A new row, named by its record until the target gives it a key at apply time.
    expect(byId(changes, 'public.patients@record=intake:f1')).toMatchObject({ kind: 'insert', values: { email: 'cat@example.org' } });
    expect(byReference(changes, 'A-CAT')).toMatchObject({ kind: 'unrecoverable', reason: 'missing-parent' });
    expect(byReference(changes, 'A-CAT')?.detail).toBe(
      'patient_id: email = "cat@example.org" matches 2 public.patients rows (id 4 in the backup; public.patients@record=intake:f1, rebuilt in this run); salvage does not pick one: fix the duplicate, or look the parent up by a column that tells them apart',
    );
  });

  it('two new rows rebuilt with the value: unrecoverable', () => {
    expect(byReference(changes, 'A-EVE')).toMatchObject({ kind: 'unrecoverable', reason: 'missing-parent' });
    expect(byReference(changes, 'A-EVE')?.detail).toMatch(
      /^patient_id: email = "eve@example\.org" matches 2 public\.patients rows \(public\.patients@record=intake:f3, rebuilt in this run; public\.patients@record=intake:f4, rebuilt in this run\)/,
    );
  });

  it('an updated row is the same row, and a value one row has resolves to it', () => {
    expect(byId(changes, 'public.patients#3')).toMatchObject({ kind: 'update', values: { email: 'bob@example.org' } });
    expect(byReference(changes, 'A-BOB')).toMatchObject({ kind: 'insert', values: { patient_id: '3' } });
    expect(byReference(changes, 'A-DAN')).toMatchObject({ kind: 'insert', values: { patient_id: '5' } });
  });
});

// Two tenants, each with a resource called "Kayak 1" and a customer with one e-mail.
const TENANTS_SQL = `
CREATE TABLE tenants (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE resources (
  id serial PRIMARY KEY,
  tenant_id integer NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE customers (
  id serial PRIMARY KEY,
  tenant_id integer NOT NULL REFERENCES tenants (id),
  email text NOT NULL,
  UNIQUE (tenant_id, email)
);
CREATE TABLE bookings (
  id serial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  resource_id integer NOT NULL REFERENCES resources (id),
  customer_id integer NOT NULL REFERENCES customers (id)
);
INSERT INTO tenants (id, name) VALUES (1, 'Fjord Kayaks'), (2, 'Lake Canoes');
INSERT INTO resources (id, tenant_id, name) VALUES (1, 1, 'Kayak 1'), (2, 2, 'Kayak 1');
INSERT INTO customers (id, tenant_id, email) VALUES (1, 1, 'kim@example.org'), (2, 2, 'kim@example.org');
`;

const TENANT_BOOKINGS_YAML = `table: bookings
rules:
  - name: booking
    source: calendar
    type: calendar.event
    columns:
      reference: data.ref
      resource_id: { from: data.resource, lookup: { table: resources, by: name } }
      customer_id: { from: data.email, lookup: { table: customers, by: email } }
`;

describe.runIf(pgUp)('a lookup by a column unique only with others (multi-tenant) is refused', () => {
  const backup = seededDatabase('lookup_tenants', TENANTS_SQL);

  const records = { calendar: [{ type: 'calendar.event', id: 'b1', data: { ref: 'B-1', resource: 'Kayak 1', email: 'kim@example.org' } }] };

  it('check reports each such lookup at its file:line and says which columns are unique', async () => {
    const { config } = await smallJob({ label: 'lookup-tenants-check', backupUrl: backup.url, mappings: { 'bookings.yaml': TENANT_BOOKINGS_YAML }, records });
    const report = await check(config);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => `${path.basename(p.file)}:${p.line}: ${p.message}`)).toEqual([
      'bookings.yaml:8: lookup: public.resources.name is not unique (no primary key, UNIQUE constraint or unique index on it alone), so one value can match several rows and salvage would have to guess; look it up by a column that is unique on its own (unique in public.resources: id; (tenant_id, name))',
      'bookings.yaml:9: lookup: public.customers.email is not unique (no primary key, UNIQUE constraint or unique index on it alone), so one value can match several rows and salvage would have to guess; look it up by a column that is unique on its own (unique in public.customers: id; (tenant_id, email))',
    ]);
  });

  it('reconcile refuses the mappings with both problems at once, before writing anything', async () => {
    const { dir, config } = await smallJob({ label: 'lookup-tenants-reconcile', backupUrl: backup.url, mappings: { 'bookings.yaml': TENANT_BOOKINGS_YAML }, records });
    const error = await reconcile({ config, mapParallelism: { workers: 0 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems.map((p) => p.line)).toEqual([8, 9]);
    await expect(readFile(path.join(dir, 'recovery', 'changeset.json'))).rejects.toThrow(/ENOENT/);
  });

  it('a column unique through a partial or expression index passes check (its duplicates are caught at reconcile)', async () => {
    const clinic = await createTestDatabase('lookup_partial_check');
    try {
      await runSql(clinic.url, CLINIC_SQL);
      const { config } = await smallJob({ label: 'lookup-partial-check', backupUrl: clinic.url, mappings: { 'appointments.yaml': APPOINTMENTS_YAML }, records: { calendar: [] } });
      const report = await check(config);
      expect(report.problems).toEqual([]);
      // Said, though: a soft-deleted row that shares a value makes the lookup ambiguous.
      expect(report.warnings.map((w) => `${path.basename(w.file)}:${w.line}: ${w.message}`)).toEqual([
        'appointments.yaml:8: lookup: public.patients.email is unique only among some rows (CREATE UNIQUE INDEX patients_live_email ON public.patients USING btree (lower(email)) WHERE (deleted_at IS NULL)): a value that a row outside that condition shares (a soft-deleted one) is ambiguous, and the rows that look it up are reported unrecoverable rather than attached to either',
      ]);
    } finally {
      await clinic.drop();
    }
  });
});
