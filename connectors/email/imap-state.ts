import type { PullWindow } from '../../src/records/connector.js';

/**
 * What an IMAP pull checkpoints after every batch: per mailbox the UIDVALIDITY and
 * the highest UID done, and how much of the yielded-ids file belongs to the records
 * written so far. A resumed pull lists only later UIDs, unless UIDVALIDITY changed.
 */
export interface ImapCheckpoint {
  version: 1;
  /** `user@host:port`: a checkpoint of another account is not resumed. */
  account: string;
  window: { since: string; to: string };
  mailboxes: Record<string, MailboxPosition>;
  yieldedIdsBytes: number;
}

export interface MailboxPosition {
  uidValidity: string;
  lastUid: number;
}

export interface ResumePlan {
  /** Positions to continue from; empty when the checkpoint was for another account or window. */
  positions: Map<string, MailboxPosition>;
  /** Bytes of the yielded-ids file to keep (always honoured: those records are in the file). */
  yieldedIdsBytes: number;
  /** Why positions were dropped, for the log. */
  note?: string;
}

export function resumePlan(raw: unknown, account: string, window: PullWindow): ResumePlan {
  if (!isCheckpoint(raw)) return { positions: new Map(), yieldedIdsBytes: 0 };
  const sameWindow = raw.window.since === window.since.toISOString() && raw.window.to === window.to.toISOString();
  if (raw.account !== account || !sameWindow) {
    return {
      positions: new Map(),
      yieldedIdsBytes: raw.yieldedIdsBytes,
      note: 'the interrupted pull was for another account or window: reading every mailbox again (messages already written are skipped)',
    };
  }
  return { positions: new Map(Object.entries(raw.mailboxes)), yieldedIdsBytes: raw.yieldedIdsBytes };
}

export function checkpointState(account: string, window: PullWindow, positions: Map<string, MailboxPosition>, yieldedIdsBytes: number): ImapCheckpoint {
  return {
    version: 1,
    account,
    window: { since: window.since.toISOString(), to: window.to.toISOString() },
    mailboxes: Object.fromEntries(positions),
    yieldedIdsBytes,
  };
}

function isCheckpoint(value: unknown): value is ImapCheckpoint {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<ImapCheckpoint>;
  return v.version === 1 && typeof v.account === 'string' && typeof v.yieldedIdsBytes === 'number' && typeof v.mailboxes === 'object' && typeof v.window === 'object';
}
