import { describe, expect, it } from 'vitest';
import { DEMO_TABLES } from '../../src/sql/demo-schema.js';
import { compareRecovery, formatRecoveryReport, type TableGrade } from '../../src/demo/compare.js';
import { canonicalDecimal, parseInstant } from '../../src/demo/columns.js';
import { referenceRecovery } from './reference-recovery.js';
import { generateIncident, type Incident, type IncidentRows, type Row } from '../../src/demo/incident.js';

const incident = generateIncident();
const copy = (rows: IncidentRows): IncidentRows => structuredClone(rows);
const grade = (report: ReturnType<typeof compareRecovery>, table: string): TableGrade => {
  const found = report.tables.find((t) => t.table === table);
  if (!found) throw new Error(`no grade for ${table}`);
  return found;
};
const count = (record: Record<string, unknown> | undefined) => Object.keys(record ?? {}).length;
const backupIds = (table: keyof IncidentRows) => new Set(incident.backup[table].map((r) => r['id']));

/**
 * The best recovery the exports allow: production without the unrecoverable rows,
 * unknown phones left NULL, and new customers given different ids (as a sequence
 * would), their bookings' foreign keys following.
 */
function bestPossibleRecovery(source: Incident): IncidentRows {
  const rows = copy(source.production);
  const gone = (table: keyof IncidentRows, key: string) => (source.truth.unrecoverable[table] ?? {})[key] !== undefined;
  rows.customers = rows.customers.filter((c) => !gone('customers', c['email'] ?? ''));
  rows.bookings = rows.bookings.filter((b) => !gone('bookings', b['reference'] ?? ''));
  rows.payments = rows.payments.filter((p) => !gone('payments', p['stripe_charge_id'] ?? ''));
  for (const c of rows.customers) if ((source.truth.unknownColumns['customers'] ?? {})[c['email'] ?? '']) c['phone'] = null;
  const renumbered = new Map<string, string>();
  for (const c of rows.customers) {
    if (backupIds('customers').has(c['id'] ?? null)) continue;
    const id = String(10_000 + renumbered.size);
    renumbered.set(c['id'] as string, id);
    c['id'] = id;
  }
  for (const b of rows.bookings) b['customer_id'] = renumbered.get(b['customer_id'] as string) ?? b['customer_id'] ?? null;
  return rows;
}

describe('compareRecovery', () => {
  it('grades a perfect recovery (production itself) as all recovered, nothing damaged', () => {
    const report = compareRecovery(incident, copy(incident.production));
    for (const t of report.tables) {
      expect(t.lost, t.table).toBeGreaterThan(0);
      expect(t.recovered, t.table).toBe(t.lost);
      expect([t.partial, t.wrong, t.missing.expected, t.missing.unexpected, t.damaged, t.spurious], t.table).toEqual([0, 0, 0, 0, 0, 0]);
    }
    expect(report.clean).toBe(true);
  });

  it('grades the bare backup as everything missing, the unrecoverable rows as expected gaps', () => {
    const report = compareRecovery(incident, copy(incident.backup));
    for (const t of report.tables) {
      expect(t.recovered, t.table).toBe(0);
      expect(t.missing.expected, t.table).toBe(count(incident.truth.unrecoverable[t.table]));
      expect(t.missing.expected + t.missing.unexpected, t.table).toBe(t.lost);
      expect(t.damaged, t.table).toBe(0);
    }
    expect(grade(report, 'bookings').lost).toBe(198);
    expect(report.clean).toBe(false);
  });

  it('grades the best possible recovery as clean, with the gaps the truth predicts', () => {
    const report = compareRecovery(incident, bestPossibleRecovery(incident));
    expect(report.clean).toBe(true);
    for (const t of report.tables) {
      expect(t.partial, t.table).toBe(count(incident.truth.unknownColumns[t.table]));
      expect(t.missing.expected, t.table).toBe(count(incident.truth.unrecoverable[t.table]));
      expect(t.recovered + t.partial + t.missing.expected, t.table).toBe(t.lost);
    }
    const partial = grade(report, 'customers').details.partial[0];
    expect(partial?.differences.map((d) => d.column)).toEqual(['phone']);
  });

  it('grades a recovery made from the backup and the exports alone as clean: the truth lists every gap', () => {
    for (const source of [incident, generateIncident({ seed: 99, scale: 0.4 })]) {
      const report = compareRecovery(source, referenceRecovery(source));
      expect(formatRecoveryReport(report)).toContain('Verdict: clean');
      for (const t of report.tables) {
        expect(t.missing.expected, t.table).toBe(count(source.truth.unrecoverable[t.table]));
        expect(t.partial, t.table).toBe(count(source.truth.unknownColumns[t.table]));
        expect(t.recovered + t.partial + t.missing.expected, t.table).toBe(t.lost);
      }
    }
  });

  it('counts a tampered value as wrong and names the column', () => {
    const recovered = copy(incident.production);
    const lostBooking = recovered.bookings.find((b) => !backupIds('bookings').has(b['id'] ?? null)) as Row;
    lostBooking['total'] = '1.00';
    const lostCustomer = recovered.customers.find((c) => !backupIds('customers').has(c['id'] ?? null)) as Row;
    const email = lostCustomer['email'] ?? '';
    lostCustomer['email'] = email.toUpperCase(); // matched loosely, so it shows as wrong rather than missing
    const report = compareRecovery(incident, recovered);
    const bookings = grade(report, 'bookings');
    expect(bookings.wrong).toBe(1);
    expect(bookings.details.wrong[0]?.key).toBe(lostBooking['reference']);
    expect(bookings.details.wrong[0]?.differences).toEqual([{ column: 'total', expected: expect.any(String), actual: '1.00' }]);
    const customers = grade(report, 'customers');
    expect(customers.wrong).toBe(1);
    expect(customers.details.wrong[0]?.differences).toEqual([{ column: 'email', expected: email, actual: email.toUpperCase() }]);
    expect(customers.spurious).toBe(0);
    expect(report.clean).toBe(false);
  });

  it('compares timestamps as instants, numerics as numbers, foreign keys through natural keys', () => {
    const recovered = copy(incident.production);
    for (const b of recovered.bookings) {
      b['starts_at'] = new Date(parseInstant(b['starts_at'] ?? '')).toISOString();
      b['total'] = `${b['total']}0`;
    }
    const report = compareRecovery(incident, recovered);
    expect(grade(report, 'bookings').recovered).toBe(grade(report, 'bookings').lost);
    expect(canonicalDecimal('090.50')).toBe(canonicalDecimal('90.5'));
    // A payment pointing at the wrong booking is wrong even though the id exists.
    const lostPayment = recovered.payments.find((p) => !backupIds('payments').has(p['id'] ?? null)) as Row;
    lostPayment['booking_id'] = '1';
    const wrong = grade(compareRecovery(incident, recovered), 'payments').details.wrong;
    expect(wrong.map((w) => w.differences[0]?.column)).toEqual(['booking_id']);
  });

  it('reports backup rows the recovery lost or altered as damaged', () => {
    const recovered = copy(incident.production);
    const untouched = recovered.customers[0] as Row;
    untouched['full_name'] = 'Someone Else';
    recovered.refunds.splice(0, 1);
    const report = compareRecovery(incident, recovered);
    expect(grade(report, 'customers').damaged).toBe(1);
    expect(grade(report, 'customers').details.damaged[0]).toMatchObject({ problem: 'changed', differences: [{ column: 'full_name' }] });
    expect(grade(report, 'refunds').details.damaged[0]?.problem).toBe('gone');
  });

  it('reports rows production never had as spurious (a staff meeting turned into a booking)', () => {
    const recovered = copy(incident.production);
    recovered.bookings.push({ ...(recovered.bookings[0] as Row), id: '99999', reference: 'STAFF1', item: 'Weekly staff meeting' });
    const report = compareRecovery(incident, recovered);
    expect(grade(report, 'bookings').spurious).toBe(1);
    expect(grade(report, 'bookings').details.spurious).toEqual(['STAFF1']);
    expect(report.clean).toBe(false);
  });
});

describe('formatRecoveryReport', () => {
  it('prints one line per table, the expected gaps grouped by reason, and the problems', () => {
    const recovered = bestPossibleRecovery(incident);
    (recovered.bookings.find((b) => !backupIds('bookings').has(b['id'] ?? null)) as Row)['item'] = 'Canoe?';
    const text = formatRecoveryReport(compareRecovery(incident, recovered));
    for (const table of DEMO_TABLES) expect(text).toMatch(new RegExp(`^${table}\\s+\\d+`, 'm'));
    for (const reason of new Set(Object.values(incident.truth.unrecoverable['bookings'] ?? {}))) expect(text).toContain(reason);
    expect(text).toContain('customers.phone ×');
    expect(text).toMatch(/Wrong rows:\n {2}bookings [A-Z2-9]{6}: item expected "[^"]+", got "Canoe\?"/);
    expect(text).toContain('Verdict: NOT clean');
  });
});
