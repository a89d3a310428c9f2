import { SourceInputError } from '../../src/records/connector.js';

/** A `kind: imap` source, as salvage.yaml gives it (its schema: source-kinds.ts). */
export interface ImapSourceOptions {
  host: string;
  /** Default 993 when secure, 143 otherwise. */
  port?: number;
  /** TLS from the first byte. Default: true unless the port is 143 (then STARTTLS when offered). */
  secure?: boolean;
  user: string;
  pass?: string;
  /** OAuth2 access token (Gmail, Microsoft 365), used with `auth: xoauth2`. */
  accessToken?: string;
  auth?: 'password' | 'xoauth2';
  /** Mailboxes to read, in order. Default: every selectable mailbox except Junk. */
  mailboxes?: string[];
}

/** Knobs for tests and benchmarks; the defaults suit real servers. */
export interface ImapTuning {
  /** Messages per fetch, and between checkpoints. */
  batchSize?: number;
  /** Messages up to this size are fetched whole with their batch; larger ones are streamed one by one. */
  maxInlineBytes?: number;
  /** The pause before each reconnection attempt; their number is how often a drop is retried. */
  reconnectDelaysMs?: number[];
  /** Socket inactivity and connect timeouts. */
  timeoutMs?: number;
}

export interface ConnectionSettings {
  host: string;
  port: number;
  secure: boolean;
  auth: { user: string; pass?: string; accessToken?: string };
  /** `user@host:port`: names the account in messages and in the resume state, never a secret. */
  account: string;
}

export interface ResolvedTuning {
  batchSize: number;
  maxInlineBytes: number;
  reconnectDelaysMs: number[];
  timeoutMs: number;
}

export function resolveTuning(tuning: ImapTuning = {}): ResolvedTuning {
  return {
    batchSize: Math.max(1, tuning.batchSize ?? 100),
    maxInlineBytes: tuning.maxInlineBytes ?? 2 * 1024 * 1024,
    reconnectDelaysMs: tuning.reconnectDelaysMs ?? [500, 1000, 2000, 5000, 10_000, 20_000, 30_000],
    timeoutMs: tuning.timeoutMs ?? 120_000,
  };
}

/** Checks what the config schema cannot (which secret goes with which auth) and fills the defaults. */
export function connectionSettings(options: ImapSourceOptions): ConnectionSettings {
  const secure = options.secure ?? options.port !== 143;
  const port = options.port ?? (secure ? 993 : 143);
  const account = `${options.user}@${options.host}:${port}`;
  const method = options.auth ?? (options.accessToken !== undefined && options.pass === undefined ? 'xoauth2' : 'password');
  if (method === 'xoauth2') {
    if (!options.accessToken) {
      throw new SourceInputError(`auth: xoauth2 needs accessToken (give it as env:NAME) for ${account}`);
    }
    return { host: options.host, port, secure, auth: { user: options.user, accessToken: options.accessToken }, account };
  }
  if (!options.pass) {
    throw new SourceInputError(`no password for ${account}: set pass (as env:NAME), or auth: xoauth2 with accessToken`);
  }
  return { host: options.host, port, secure, auth: { user: options.user, pass: options.pass }, account };
}
