import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A private Dovecot for the IMAP tests (FACTS.md has the recipe): its own config,
 * users file and Maildir under a temp dir, listening on a free loopback port, run in
 * the foreground as a child of the test so that stopping it stops only it. Messages
 * are dropped into the Maildir as files; a file's mtime becomes its INTERNALDATE.
 *
 * When SALVAGE_REQUIRE_SERVICES=1 (CI), a missing Dovecot is a failure, never a skip.
 */
export const DOVECOT_BINARY = '/usr/sbin/dovecot';
const DOVEADM_BINARY = '/usr/bin/doveadm';
const run = promisify(execFile);
const servicesRequired = process.env.SALVAGE_REQUIRE_SERVICES === '1';

/** Whether the IMAP tests can run here; throws instead of answering false when services are required. */
export function dovecotAvailable(): boolean {
  const problem = !existsSync(DOVECOT_BINARY)
    ? `${DOVECOT_BINARY} is not installed (apt-get install -y dovecot-imapd)`
    : process.getuid?.() !== 0
      ? 'Dovecot must be started as root (it switches to the dovecot user)'
      : null;
  if (problem === null) return true;
  if (servicesRequired) throw new Error(`Dovecot is required (SALVAGE_REQUIRE_SERVICES=1) but ${problem}`);
  return false;
}

export interface DeliverOptions {
  /** Becomes INTERNALDATE (the file's mtime). */
  receivedAt: Date;
  /** Maildir flag letters (S seen, F flagged, R replied): the file goes to cur/ with them; without, to new/ (unseen, recent). */
  flags?: string;
}

export class TestDovecot {
  readonly user = 'alice';
  readonly pass = 'secret';
  private process: ChildProcess | null = null;
  private counter = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly owner: { uid: number; gid: number },
  ) {}

  static async start(): Promise<TestDovecot> {
    const dir = await mkdtemp(path.join(tmpdir(), 'salvage-dovecot-'));
    const owner = { uid: await idOf('-u'), gid: await idOf('-g') };
    const server = new TestDovecot(dir, await freePort(), owner);
    await server.writeConfig();
    await server.createMailbox('INBOX');
    await server.launch();
    return server;
  }

  get configFile(): string {
    return path.join(this.dir, 'dovecot.conf');
  }

  /** The Maildir folder of a mailbox: INBOX is the Maildir itself, others are `.Name` (Maildir++). */
  mailboxDir(mailbox: string): string {
    const maildir = path.join(this.dir, 'mail', this.user, 'Maildir');
    return mailbox === 'INBOX' ? maildir : path.join(maildir, `.${mailbox}`);
  }

  async createMailbox(mailbox: string): Promise<void> {
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(path.join(this.mailboxDir(mailbox), sub), { recursive: true });
    await this.fixOwnership();
  }

  /** Drops a message into a mailbox as a Maildir file; returns the file's path. */
  async deliver(mailbox: string, raw: string | Buffer, options: DeliverOptions): Promise<string> {
    const unique = `${Math.floor(options.receivedAt.getTime() / 1000)}.M${++this.counter}P${process.pid}.salvage-test`;
    const file = options.flags === undefined ? path.join(this.mailboxDir(mailbox), 'new', unique) : path.join(this.mailboxDir(mailbox), 'cur', `${unique}:2,${options.flags}`);
    await writeFile(file, typeof raw === 'string' ? raw.replace(/\r?\n/g, '\r\n') : raw);
    await chown(file, this.owner.uid, this.owner.gid);
    await utimes(file, options.receivedAt, options.receivedAt);
    return file;
  }

  /** Every file of a mailbox with its Maildir flags: what a flag change would alter on disk. */
  async files(mailbox: string): Promise<string[]> {
    const names: string[] = [];
    for (const sub of ['new', 'cur']) for (const name of await readdir(path.join(this.mailboxDir(mailbox), sub))) names.push(`${sub}/${name}`);
    return names.sort();
  }

  async doveadm(...args: string[]): Promise<string> {
    const { stdout } = await run(DOVEADM_BINARY, ['-c', this.configFile, ...args]);
    return stdout;
  }

  /** Disconnects every IMAP session of the user, as a server restart or network drop would. */
  async kick(): Promise<void> {
    await this.doveadm('kick', this.user).catch(() => undefined);
  }

  async setUidValidity(mailbox: string, uidValidity: number): Promise<void> {
    await this.doveadm('mailbox', 'update', '-u', this.user, '--uid-validity', String(uidValidity), mailbox);
  }

  /**
   * Makes Dovecot forget a mailbox's UIDs, as a restored or migrated server does: the
   * next session numbers the messages again from 1 under the given UIDVALIDITY.
   */
  async renumber(mailbox: string, uidValidity: number): Promise<void> {
    await this.kick();
    const dir = this.mailboxDir(mailbox);
    for (const name of await readdir(dir)) if (name.startsWith('dovecot')) await rm(path.join(dir, name), { force: true });
    await this.setUidValidity(mailbox, uidValidity);
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    // The old master must be gone before a new one starts (FACTS.md: a stale master.pid otherwise).
    await rm(path.join(this.dir, 'run', 'master.pid'), { force: true });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /**
   * A real outage: sessions kicked (an old session would otherwise outlive its
   * master) and the server stopped; resolves once it is down, with `back`, which
   * resolves once it was started again after `downMs`. Clients meanwhile get ECONNREFUSED.
   */
  async outage(downMs: number): Promise<{ back: Promise<void> }> {
    await this.kick();
    await this.stop();
    const back = new Promise((resolve) => setTimeout(resolve, downMs)).then(() => this.launch());
    return { back };
  }

  async dispose(): Promise<void> {
    // Sessions end first: an imap process outlives its master and may still be writing index files.
    if (this.process) await this.kick();
    await this.stop();
    await rm(this.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }

  private async launch(): Promise<void> {
    const child = spawn(DOVECOT_BINARY, ['-F', '-c', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.process = child;
    const deadline = Date.now() + 10_000;
    while (!(await greets(this.port))) {
      if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`dovecot did not answer on port ${this.port}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async writeConfig(): Promise<void> {
    const dir = this.dir;
    for (const sub of ['run', 'state', 'mail']) await mkdir(path.join(dir, sub), { recursive: true });
    await writeFile(path.join(dir, 'users'), `${this.user}:{PLAIN}${this.pass}\n`);
    await writeFile(
      this.configFile,
      `first_valid_uid = 100
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/mail/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${this.port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`,
    );
    // Dovecot's unprivileged processes must reach the temp dir and the mail in it.
    await chmod(dir, 0o755);
  }

  private async fixOwnership(): Promise<void> {
    const walk = async (dir: string): Promise<void> => {
      await chown(dir, this.owner.uid, this.owner.gid);
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else await chown(full, this.owner.uid, this.owner.gid);
      }
    };
    await walk(path.join(this.dir, 'mail'));
  }
}

async function idOf(flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await run('id', [flag, 'dovecot']);
  return Number(stdout.trim());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True once the server sends its `* OK` greeting. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('* OK')));
  });
}

/**
 * A TCP relay in front of the server that can cut a connection in the middle of an
 * answer: `cutAfter(n)` lets n more bytes through to the client, then destroys both
 * sides, exactly like a network drop during a FETCH.
 */
export class CuttingProxy {
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly closers = new Set<() => void>();
  private budget: number | null = null;
  /** Connections cut so far. */
  cuts = 0;
  port = 0;

  private constructor(private readonly targetPort: number) {}

  static async start(targetPort: number): Promise<CuttingProxy> {
    const proxy = new CuttingProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const address = proxy.server.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  /** Lets `bytes` more bytes reach the client, then cuts its connection. */
  cutAfter(bytes: number): void {
    this.budget = bytes;
  }

  async stop(): Promise<void> {
    for (const close of this.closers) close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.closers.delete(close);
    };
    this.closers.add(close);
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => this.relay(client, chunk, close));
  }

  private relay(client: net.Socket, chunk: Buffer, close: () => void): void {
    if (this.budget === null || chunk.length <= this.budget) {
      if (this.budget !== null) this.budget -= chunk.length;
      client.write(chunk);
      return;
    }
    client.write(chunk.subarray(0, this.budget), () => close());
    this.budget = null;
    this.cuts++;
  }
}
