import { HOSTILE_BACKUP_CUSTOMERS, HOSTILE_WINDOW_CUSTOMERS } from './people.js';

/**
 * How many of each thing the sample incident has at a given scale. Scale 1 is a
 * small business; every special case exists at least once at any scale, so that
 * even a tiny demo shows each kind of gap.
 */
export interface IncidentCounts {
  backupCustomers: number;
  backupBookings: number;
  windowNewCustomers: number;
  windowBookings: number;
  /** Cash walk-ins never put in the calendar (unrecoverable). */
  walkIns: number;
  /** Of those, walk-ins by first-time customers (the customer is unrecoverable too). */
  walkInNewCustomers: number;
  /** Card-paid window bookings whose calendar event was deleted (unrecoverable). */
  deletedEvents: number;
  backupEraCancellations: number;
  backupEraReschedules: number;
  backupEraPartialRefunds: number;
  windowCancellationsOfBackup: number;
  windowReschedulesOfBackup: number;
  windowPartialRefundsOfBackup: number;
  windowCancellationsOfNew: number;
  windowPartialRefundsOfNew: number;
  staleDescriptionTotals: number;
  failedCharges: number;
}

export function incidentCounts(scale: number): IncidentCounts {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, not ${scale}`);
  const scaled = (n: number) => Math.max(1, Math.round(n * scale));
  const walkIns = Math.max(2, scaled(4));
  const walkInNewCustomers = walkIns - 1;
  const backupCustomers = Math.max(HOSTILE_BACKUP_CUSTOMERS.length + 20, scaled(300));
  const windowNewCustomers = Math.max(HOSTILE_WINDOW_CUSTOMERS.length + walkInNewCustomers + 5, scaled(60));
  return {
    backupCustomers,
    backupBookings: Math.max(backupCustomers + 20, scaled(800)),
    windowNewCustomers,
    windowBookings: Math.max(windowNewCustomers + 20, scaled(180)),
    walkIns,
    walkInNewCustomers,
    deletedEvents: scaled(3),
    backupEraCancellations: scaled(12),
    backupEraReschedules: scaled(6),
    backupEraPartialRefunds: scaled(3),
    windowCancellationsOfBackup: scaled(10),
    windowReschedulesOfBackup: scaled(8),
    windowPartialRefundsOfBackup: scaled(2),
    windowCancellationsOfNew: scaled(5),
    windowPartialRefundsOfNew: scaled(2),
    staleDescriptionTotals: scaled(2),
    failedCharges: scaled(5),
  };
}
