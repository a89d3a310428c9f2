import { ImapFlow, type MailboxObject } from 'imapflow';
import { SourceInputError } from '../../src/records/connector.js';
import { describeNetworkCause } from '../shared/network-cause.js';
import type { ConnectionSettings, ResolvedTuning } from './imap-options.js';

/**
 * One IMAP account, kept connected. Every operation runs through `examine()`, which
 * opens the mailbox read-only (EXAMINE) and, when the connection drops, reconnects
 * and runs the operation again from its start: an operation is a whole search or a
 * whole batch, so a retry never sees half an answer. A drop is therefore never taken
 * for the end of a mailbox; after the last attempt it is an error.
 */

/** Error codes of a connection that went away (imapflow's own, and Node's socket codes). */
const DROPPED = new Set([
  'NoConnection', 'EConnectionClosed', 'ETIMEOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT',
  'ClosedAfterConnectText', 'ClosedAfterConnectTLS', 'ETHROTTLE', 'DownloadIncomplete',
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT',
]);

export class ConnectionDropped extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'ConnectionDropped';
  }
}

export class ImapSession {
  private client: ImapFlow | null = null;
  /** Whether a login ever succeeded: before that, a refused connection is a wrong address, not a drop. */
  private everConnected = false;
  /** Reconnections so far (for the summary line). */
  reconnects = 0;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly tuning: ResolvedTuning,
    private readonly log: (message: string) => void,
    private readonly onRequest: () => void = () => undefined,
  ) {}

  /** Runs `operation` on a live connection, reconnecting and starting it again after a drop. */
  async run<T>(description: string, operation: (client: ImapFlow) => Promise<T>): Promise<T> {
    const delays = this.tuning.reconnectDelaysMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const client = await this.connected();
        return await operation(client);
      } catch (error) {
        const code = this.dropCode(error);
        if (code === null) throw error;
        if (!this.everConnected) {
          // Never connected at all: a wrong host or port, not a drop worth waiting for.
          throw new SourceInputError(`cannot connect to ${this.settings.account} (${code}); check host, port and secure`);
        }
        await this.discard();
        const delay = delays[attempt];
        if (delay === undefined) {
          throw new SourceInputError(
            `the connection to ${this.settings.account} dropped during ${description} (${code}) and did not come back ` +
              `after ${delays.length} attempts; run pull again to continue from the last checkpoint`,
          );
        }
        this.log(`connection dropped during ${description} (${code}); reconnecting in ${delay} ms (attempt ${attempt + 1} of ${delays.length})`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Runs `operation` with `path` open read-only. The lock is imapflow's: no other
   * command of ours runs on the connection meanwhile.
   */
  examine<T>(path: string, description: string, operation: (client: ImapFlow, mailbox: MailboxObject) => Promise<T>): Promise<T> {
    return this.run(description, async (client) => {
      this.onRequest();
      const lock = await client.getMailboxLock(path, { readOnly: true }).catch((error: unknown) => {
        throw this.dropCode(error) === null ? this.mailboxError(path, error) : error;
      });
      try {
        const mailbox = client.mailbox;
        // EXAMINE is what keeps every \Seen flag as it is; never work on a mailbox opened any other way.
        if (!mailbox || mailbox.readOnly !== true) throw new Error(`${path} was not opened read-only; refusing to read it`);
        return await operation(client, mailbox);
      } finally {
        lock.release();
      }
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    try {
      if (client.usable) await client.logout();
    } catch {
      // Logging out of a dead connection is not worth an error.
    } finally {
      client.close();
    }
  }

  /** Throws ConnectionDropped when `client` went away while a command seemed to succeed. */
  assertAlive(client: ImapFlow, during: string): void {
    if (!client.usable) throw new ConnectionDropped(`connection closed during ${during}`, 'NoConnection');
  }

  private async connected(): Promise<ImapFlow> {
    if (this.client?.usable) return this.client;
    if (this.client !== null) {
      // The server closed the connection while we were not talking (a restart, an idle timeout, a kick).
      this.log(`the connection to ${this.settings.account} was closed; reconnecting`);
    }
    await this.discard();
    const client = new ImapFlow({
      host: this.settings.host,
      port: this.settings.port,
      secure: this.settings.secure,
      auth: this.settings.auth,
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: this.tuning.timeoutMs,
      greetingTimeout: Math.min(this.tuning.timeoutMs, 30_000),
      socketTimeout: this.tuning.timeoutMs,
      clientInfo: { name: 'salvage', version: '0.1' },
    });
    // imapflow also rejects the pending command; without a listener the event would crash the process.
    client.on('error', () => undefined);
    try {
      this.onRequest();
      await client.connect();
    } catch (error) {
      client.close();
      if ((error as { authenticationFailed?: boolean }).authenticationFailed) {
        throw new SourceInputError(`the server refused the login of ${this.settings.account}; check user and password (or access token)`);
      }
      const cause = describeNetworkCause(error);
      if (!this.everConnected && cause !== undefined) {
        // Never connected at all: a wrong host, port or TLS setting, not a drop worth waiting for.
        throw new SourceInputError(`cannot connect to ${this.settings.host}:${this.settings.port} (${this.settings.account}): ${cause}; check host, port and secure`);
      }
      throw error;
    }
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.client = client;
    return client;
  }

  private async discard(): Promise<void> {
    const client = this.client;
    this.client = null;
    client?.close();
  }

  /** The code of a dropped connection, or null for any other error. */
  private dropCode(error: unknown): string | null {
    if (error instanceof ConnectionDropped) return error.code;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && DROPPED.has(code)) return code;
    // A command that failed because its connection closed under it.
    if (this.client !== null && !this.client.usable && !(error instanceof SourceInputError)) return typeof code === 'string' ? code : 'closed';
    return null;
  }

  private mailboxError(path: string, error: unknown): Error {
    const text = (error as { responseText?: string }).responseText ?? (error as Error).message;
    return new SourceInputError(`cannot open mailbox "${path}" on ${this.settings.account} (${text}); check the mailboxes list in salvage.yaml`);
  }
}
