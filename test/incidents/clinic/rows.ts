/**
 * The clinic's rows by natural values (the uuids are the target's own), and the same
 * shape for what the sources prove: a recovery is right when the two are equal.
 */
import { exec, patchAndApply, query, type PipelineRun } from '../../corpus/support.js';
import { detailsOf, type ClinicIncident } from './generate.js';

/** Timestamps as one canonical text, whatever zone the server prints them in. */
const iso = (value: string | null | undefined) => (value == null ? null : new Date(value).toISOString());

/** A JSON value with its object keys sorted: jsonb keeps keys in an order of its own. */
function keysSorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keysSorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, keysSorted(v)]));
}

/** Every row of the clinic by natural values (uuids are the target's own), sorted. */
export async function rowsByValue(url: string) {
  const patients = await query(url, 'SELECT email, full_name, phone, stripe_customer_id, created_at::text, deleted_at::text FROM patients');
  const appointments = await query(
    url,
    `SELECT pr.email AS practitioner, pa.email AS patient, pa.deleted_at IS NULL AS patient_live, a.starts_at::text, a.ends_at::text, a.status::text, a.details::text, a.cancelled_at::text, a.created_at::text
       FROM appointments a JOIN practitioners pr ON pr.id = a.practitioner_id JOIN patients pa ON pa.id = a.patient_id`,
  );
  const treatments = await query(
    url,
    `SELECT pr.email AS practitioner, a.starts_at::text, t.code FROM appointment_treatments t JOIN appointments a ON a.id = t.appointment_id JOIN practitioners pr ON pr.id = a.practitioner_id`,
  );
  const payments = await query(
    url,
    `SELECT p.stripe_charge_id, pa.email AS patient, pr.email AS practitioner, a.starts_at::text, p.amount::text, p.created_at::text
       FROM payments p JOIN patients pa ON pa.id = p.patient_id LEFT JOIN appointments a ON a.id = p.appointment_id LEFT JOIN practitioners pr ON pr.id = a.practitioner_id`,
  );
  const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
  return {
    patients: sorted(patients.map((r) => ({ email: r['email'], name: r['full_name'], phone: r['phone'], stripe: r['stripe_customer_id'], created: iso(r['created_at']), deleted: iso(r['deleted_at']) }))),
    appointments: sorted(
      appointments.map((r) => ({
        practitioner: r['practitioner'],
        patient: r['patient'],
        starts: iso(r['starts_at']),
        ends: iso(r['ends_at']),
        status: r['status'],
        details: keysSorted(JSON.parse(r['details'] as string)),
        cancelled: iso(r['cancelled_at']),
        created: iso(r['created_at']),
      })),
    ),
    treatments: sorted(treatments.map((r) => ({ practitioner: r['practitioner'], starts: iso(r['starts_at']), code: r['code'] }))),
    payments: sorted(payments.map((r) => ({ charge: r['stripe_charge_id'], patient: r['patient'], practitioner: r['practitioner'], starts: iso(r['starts_at']), amount: r['amount'], created: iso(r['created_at']) }))),
  };
}

/** What the clinic held when the data was lost, in the same shape: what the sources prove. */
export function truth(incident: ClinicIncident) {
  const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
  return {
    patients: sorted(incident.patients.map((p) => ({ email: p.email, name: p.name, phone: p.phone, stripe: p.stripeCustomer, created: iso(p.createdAt), deleted: iso(p.deletedAt) }))),
    appointments: sorted(
      incident.appointments.map((a) => ({
        practitioner: a.practitioner,
        patient: a.patient,
        starts: iso(a.startsAt),
        ends: iso(a.endsAt),
        status: a.status,
        details: keysSorted(detailsOf(a)),
        cancelled: iso(a.cancelledAt),
        created: iso(a.createdAt),
      })),
    ),
    treatments: sorted(incident.appointments.flatMap((a) => a.treatments.map((code) => ({ practitioner: a.practitioner, starts: iso(a.startsAt), code })))),
    payments: sorted(
      incident.payments.map((p) => ({ charge: p.chargeId, patient: p.patient, practitioner: p.appointment.practitioner, starts: iso(p.appointment.startsAt), amount: (p.amountCents / 100).toFixed(2), created: iso(p.createdAt) })),
    ),
  };
}

/** What reconcile finds for the clinic's lost rows, per table (practitioners lost nothing). */
export const CLINIC_CHANGE_COUNTS = {
  'public.patients': { insert: 3, update: 0, conflict: 0, unrecoverable: 0 },
  'public.appointments': { insert: 6, update: 1, conflict: 0, unrecoverable: 0 },
  'public.appointment_treatments': { insert: 10, update: 0, conflict: 0, unrecoverable: 0 },
  'public.payments': { insert: 4, update: 0, conflict: 0, unrecoverable: 0 },
};

/** The changeset's counts per table, without the unchanged rows (how many depends on the backup's size). */
export function changeCounts(run: PipelineRun): Record<string, unknown> {
  return Object.fromEntries(run.changeset.tables.map(({ table, counts: { unchanged: _unchanged, ...rest } }) => [table, rest]));
}

const TOUCH_TRIGGERS = ['appointments', 'patients'];

/**
 * Patches and applies with the clinic's updated_at triggers off, as its user would: they would
 * rewrite what the patch writes, so apply refuses while they are on (docs/apply-guards.md).
 */
export async function applyWithTouchTriggersOff(run: PipelineRun, targetUrl: string, targetName: string) {
  const toggle = (how: 'DISABLE' | 'ENABLE') => TOUCH_TRIGGERS.map((t) => `ALTER TABLE ${t} ${how} TRIGGER ${t}_touch;`).join(' ');
  await exec(targetUrl, toggle('DISABLE'));
  try {
    return await patchAndApply(run, targetName);
  } finally {
    await exec(targetUrl, toggle('ENABLE'));
  }
}
