import { caseDir, exec, writeFiles } from '../../corpus/support.js';
import { FakeStripeAccount, startFakeStripe, type FakeStripeServer } from '../../fakes/stripe/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { clinicConfig, type ClinicIncident } from './generate.js';

/** The environment variable the case's salvage.yaml reads the Stripe key from. */
export const CLINIC_KEY_ENV = 'CLINIC_STRIPE_KEY';

export interface ClinicCase {
  backup: TestDatabase;
  /** The live target: the backup restored, as the clinic's app runs again from it. */
  target: TestDatabase;
  stripe: FakeStripeServer;
  dir: string;
}

/**
 * The clinic on the day of the incident: its backup restored twice (the backup and the
 * live target), its Stripe account served by the fake, and a case folder holding `files`
 * and a salvage.yaml naming all three. closeClinicCase undoes it.
 */
export async function openClinicCase(incident: ClinicIncident, label: string, files: Record<string, string>): Promise<ClinicCase> {
  const backup = await createTestDatabase(`${label}_backup`);
  const target = await createTestDatabase(`${label}_target`);
  await exec(backup.url, incident.schema + incident.backupSql);
  await exec(target.url, incident.schema + incident.backupSql);
  const stripe = await startFakeStripe({ account: new FakeStripeAccount().add(...incident.stripe), now: () => new Date('2026-04-20T12:00:00Z') });
  const dir = await caseDir(label.replace(/_/g, '-'));
  await writeFiles(dir, { ...files, 'salvage.yaml': clinicConfig(backup.url, target.url, stripe.url, CLINIC_KEY_ENV) });
  return { backup, target, stripe, dir };
}

/** Closes what openClinicCase opened, as far as it got. */
export async function closeClinicCase(clinic: Partial<ClinicCase>): Promise<void> {
  await clinic.stripe?.close();
  await clinic.backup?.drop();
  await clinic.target?.drop();
}
