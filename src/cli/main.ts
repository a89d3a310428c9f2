import { Command, CommanderError, Option } from 'commander';
import path from 'node:path';
import { loadConfig, requireEnv, type SalvageConfig } from '../config/load.js';
import { redact, redactPieces } from '../runtime/secrets.js';
import { ExitCode, formatProblem, PreconditionFailed, SalvageError, UsageError } from '../errors.js';
import { fileSystemRefusal, isFileSystemFailure } from '../file-system-failure.js';
import { review } from '../decide/review.js';
import { createApplyRole } from '../sql/privileges.js';
import { check, formatCheckReport } from '../check/index.js';
import { formatInitReport, init } from '../init/index.js';
import { apply } from '../apply/apply.js';
import { doctor } from '../apply/doctor.js';
import { verifyApplied } from '../apply/verify-target.js';
import { runDemo } from '../demo/run-demo.js';
import { writePatch } from '../patch/patch.js';
import { writesRows } from '../patch/manifest.js';
import { pull } from '../pull/pull.js';
import { preserve } from '../preserve/preserve.js';
import { formatCounts, reconcile } from '../reconcile/reconcile.js';
import { DIFF_FORMATS, lineEnded, renderPieces, type RenderOptions } from '../report/render.js';
import { openChangesetView } from '../report/changeset-file-view.js';
import { PR_COMMENT_MAX_CHARS, PR_SAMPLES_PER_KIND } from '../report/markdown.js';
import { writePieces } from './write-pieces.js';
import { pageThrough, pagerCommand } from './pager.js';
import { ask, isInteractive, useColor } from './terminal.js';
import { diffLimit } from './diff-limit.js';
import { salvageVersion } from './version.js';
import { processIo, type CliIo } from './io.js';
import { formatCount as n } from '../runtime/format-count.js';
import { NO_PROGRESS, TerminalProgress, type Progress } from '../runtime/progress.js';
import { liveLineWanted } from '../runtime/live-line.js';
import { patchDir, changesetPath, embeddedDir, recordsDir, rejectedDir } from '../runtime/job-paths.js';
import { registerSecretPatterns } from '../records/source-kind.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

interface GlobalOptions {
  config: string;
  job?: string;
  timings?: boolean;
  /** False with --no-progress. */
  progress: boolean;
}

function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** One run of the CLI on its streams: results on stdout, messages on stderr (above a progress bar while one runs). */
function cliSession(io: CliIo) {
  // A progress bar owns the terminal's last line while it runs: messages go above it.
  let bar: TerminalProgress | undefined;
  const out = (line: string) => io.stdout.write(`${redact(line)}\n`);
  const err = (line: string) => (bar ? bar.log(redact(line)) : io.stderr.write(`${redact(line)}\n`));
  return {
    io,
    out,
    err,
    /** Bars on stderr when a live line is wanted there (a terminal, not CI, not TERM=dumb, not --no-progress); nothing otherwise. */
    progressFor(command: Command): Progress {
      if (!liveLineWanted(io.stderr, globals(command).progress, io.env)) return NO_PROGRESS;
      bar = new TerminalProgress(io.stderr);
      return bar;
    },
    /** --timings: one line per stage with its wall time and rows per second. */
    printTimings(command: Command, stages: Array<{ stage: string; seconds: number; rows: number; rssMb?: number }>): void {
      if (!globals(command).timings) return;
      for (const s of stages) {
        const rate = s.seconds > 0 ? `${Math.round(s.rows / s.seconds)} rows/s` : '';
        err(`timing: ${s.stage.padEnd(28)} ${s.seconds.toFixed(2).padStart(8)} s ${String(s.rows).padStart(10)} rows  ${rate}${s.rssMb ? `  (${s.rssMb} MB resident)` : ''}`);
      }
    },
    /**
     * The config, for a command that reads the env: variables under `needsEnv` (as requireEnv
     * takes them): a config with mistakes reports those variables with them, and no others.
     */
    async config(command: Command, needsEnv: Array<Array<string | number>> = []): Promise<SalvageConfig> {
      const g = globals(command);
      const loaded = await loadConfig(g.config, { kinds: SOURCE_KINDS, jobDir: g.job, needsEnv, env: io.env });
      for (const warning of loaded.inlineSecrets) err(`warning: ${formatProblem(warning)}`);
      return loaded;
    },
    /** One question on the terminal, for review and apply's typed confirmation. */
    ask: (question: string) => ask(question, { input: io.stdin, output: io.stdout, terminal: Boolean(io.stdin.isTTY) }),
  };
}
type CliSession = ReturnType<typeof cliSession>;

function buildProgram(session: CliSession): Command {
  const { io, out, err, progressFor, printTimings, config } = session;
  const program = new Command('salvage')
    .description('Rebuild lost database rows from Stripe, email, calendars and CSV exports, with evidence for every value.')
    .version(salvageVersion(), '-V, --version', 'print the version of salvage')
    .option('--config <file>', 'the salvage.yaml to use', './salvage.yaml')
    .option('--job <dir>', 'the job directory (overrides "job:" in the config)')
    .option('--timings', "print each stage's wall time and rows per second")
    .option('--no-progress', 'no live progress line or bars on the terminal')
    .showHelpAfterError()
    .exitOverride()
    // Before the commands are added: they inherit it (usage errors and help go to this run's streams).
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  program
    .command('init')
    .description('introspect the backup (read only) and write salvage.yaml and starter mappings for the named sources')
    .requiredOption('--source <source...>', `a source: KIND, NAME=KIND or NAME=KIND:GLOB[,GLOB] (kinds: ${SOURCE_KINDS.map((k) => k.kind).join(', ')})`)
    .option('--backup-url <url>', 'the restored backup (default: $BACKUP_DATABASE_URL, else the embedded database)')
    .option('--from <iso>', 'when the backup was taken (default: the newest write found in it)')
    .option('--to <iso>', 'when the data was lost')
    .option('--dir <dir>', 'where to write salvage.yaml and mappings/', '.')
    .option('--records <dir>', 'pulled records to choose fields by (<source>.ndjson; default: the records of the job it writes)')
    .action(async (opts: { source: string[]; backupUrl?: string; from?: string; to?: string; dir: string; records?: string }) => {
      const dir = path.resolve(opts.dir);
      const { report } = await init({
        backupUrl: opts.backupUrl ?? io.env.BACKUP_DATABASE_URL,
        embeddedDir: embeddedDir(path.join(dir, 'recovery'), 'backup'),
        dir,
        sources: opts.source,
        kinds: SOURCE_KINDS,
        window: { from: opts.from, to: opts.to },
        ...(opts.records ? { recordsDir: path.resolve(opts.records) } : {}),
      });
      out(formatInitReport(report));
    });

  program
    .command('check')
    .description('validate config and mappings against the live backup schema; with pulled records, show what each rule produces')
    .action(async (_opts: unknown, command: Command) => {
      const cfg = await config(command, [['backup']]);
      const report = await check(cfg);
      out(formatCheckReport(report));
      if (!report.ok) throw new SalvageError('the mappings need fixing before reconcile (see above)', ExitCode.usage);
    });

  program
    .command('pull')
    .description('pull every source, or the named ones, into <job>/records/<source>.ndjson; needs no database')
    .argument('[name...]', 'only these sources (as --source)')
    .option('--source <name...>', 'only these sources')
    .option('--strict', 'exit 1 when any record could not be read (by default such records are rejected, counted and the pull goes on)')
    .action(async (names: string[], opts: { source?: string[]; strict?: boolean }, command: Command) => {
      const only = [...names, ...(opts.source ?? [])];
      const sources = only.length ? [...new Set(only)] : undefined;
      const cfg = await config(command, sources ? sources.map((name) => ['sources', name]) : [['sources']]);
      // The sources count on the bar's live line, drawn under the same policy as every stage's.
      const summaries = await pull({ config: cfg, sources, log: err, progress: progressFor(command) });
      const rejected = summaries.reduce((sum, s) => sum + s.rejected, 0);
      out(
        `pulled ${n(summaries.reduce((sum, s) => sum + s.records, 0))} records from ${summaries.length} source(s) into ${recordsDir(cfg.jobDir)}` +
          (rejected ? `; ${n(rejected)} could not be read and were rejected (listed above, all in ${rejectedDir(cfg.jobDir)})` : ''),
      );
      if (rejected && opts.strict) throw new SalvageError(`--strict: ${rejected} record${rejected === 1 ? '' : 's'} could not be read`);
    });

  program
    .command('preserve')
    .description('on the day of the incident, first: save what ages out (Stripe events, mailboxes, calendars) into <job>/preserved/ and say what expires when')
    .option('--source <name...>', 'only these sources')
    .action(async (opts: { source?: string[] }, command: Command) => {
      const cfg = await config(command, opts.source ? opts.source.map((name) => ['sources', name]) : [['sources']]);
      for (const s of await preserve({ config: cfg, sources: opts.source, log: err })) {
        out(`${s.source} (${s.kind}): ${s.file ? `${path.relative(process.cwd(), s.file)}: ` : ''}${s.expiry}`);
      }
      out('later pulls add what the sources no longer serve from these files');
    });

  program
    .command('reconcile')
    .description('map records, compare with the backup (read only), write <job>/changeset.json')
    .action(async (_opts: unknown, command: Command) => {
      const cfg = await config(command, [['backup']]);
      const { changeset, file, timings } = await reconcile({ config: cfg, log: err, progress: progressFor(command) });
      printTimings(command, timings);
      for (const s of changeset.sources) {
        out(`${s.name}: ${n(s.records)} records = ${n(s.mapped)} mapped + ${n(s.unmapped)} matched no rule + ${n(s.rejected)} rejected (a value no rule could convert${s.unreadable ? `; ${n(s.unreadable)} could not be read at pull` : ''})`);
      }
      for (const t of changeset.tables) out(`${t.table}: ${formatCounts(t.counts)}`);
      const unmapped = changeset.unmapped.reduce((sum, u) => sum + u.count, 0);
      if (unmapped) out(`${n(unmapped)} records matched no rule (see "salvage diff")`);
      if (changeset.failures.count) out(`${n(changeset.failures.count)} rule evaluations failed on bad values (see "salvage diff")`);
      out(`wrote ${file}; review it with "salvage diff"`);
    });

  program
    .command('diff')
    .description('render the changeset for review')
    .addOption(new Option('--format <format>', 'output format').choices([...DIFF_FORMATS]).default('text'))
    .option('--limit <n>', 'show at most n changes of each kind per table', (v) => Number.parseInt(v, 10))
    .action(async (opts: { format: string; limit?: number }, command: Command) => {
      const cfg = await config(command);
      // Indexed, not loaded: the report is written as the changes are read back.
      const view = await openChangesetView(changesetPath(cfg.jobDir));
      try {
        const terminal = Boolean(io.stdout.isTTY);
        // Reports leave the machine (a ticket, a chat): no credential may ride along.
        const report = (options: RenderOptions) => redactPieces(lineEnded(renderPieces(view, opts.format, { color: useColor(io.stdout, io.env), ...options })));
        // On a terminal the text diff goes through a pager, in full, as piped output does.
        const pager = opts.format === 'text' ? pagerCommand(terminal, io.env) : undefined;
        if (pager && (await pageThrough(pager, report({ limit: opts.limit }), io.env))) return;
        if (opts.format === 'md') {
          // For a pull request or a ticket: one comment's worth, conflicts first, pointing to the full report.
          await writePieces(io.stdout, report({ limit: opts.limit ?? PR_SAMPLES_PER_KIND, maxChars: PR_COMMENT_MAX_CHARS }));
          return;
        }
        const { limit, note } = diffLimit({ limit: opts.limit, format: opts.format, terminal, changes: view.size });
        await writePieces(io.stdout, report({ limit, summaryAgain: terminal && opts.format === 'text' }));
        if (note) out(note);
      } finally {
        view.close();
      }
    });

  program
    .command('review')
    .description('walk the open conflicts on a terminal and record each decision in <job>/decisions.yaml')
    .action(async (_opts: unknown, command: Command) => {
      const cfg = await config(command);
      if (!isInteractive(io)) throw new UsageError('review asks questions on a terminal; without one, write <job>/decisions.yaml (see README "Decisions")');
      await review({ jobDir: cfg.jobDir, ask: session.ask, print: out });
    });

  program
    .command('patch')
    .description('write patch.sql, undo.sql and manifest.json from the accepted changes')
    .action(async (_opts: unknown, command: Command) => {
      const cfg = await config(command);
      const started = performance.now();
      const { dir, manifest } = await writePatch(cfg.jobDir, changesetPath(cfg.jobDir), { progress: progressFor(command) });
      const written = manifest.patch.statements.reduce((sum, s) => sum + (writesRows(s.kind) ? s.expectedRows : 0), 0);
      printTimings(command, [{ stage: 'write patch', seconds: (performance.now() - started) / 1000, rows: written }]);
      const inserts = Object.values(manifest.counts).reduce((sum, c) => sum + c.insert, 0);
      const updates = Object.values(manifest.counts).reduce((sum, c) => sum + c.update, 0);
      out(`patch ${manifest.id}: ${n(inserts)} inserts, ${n(updates)} updates in ${n(manifest.patch.statements.length)} statements -> ${dir}`);
      const w = manifest.withheld;
      if (w.conflict || w.unrecoverable || w.rejected || w.notAccepted) {
        out(
          `not in the patch: ${n(w.conflict)} conflicts awaiting a decision (salvage review, or decisions.yaml), ${n(w.unrecoverable)} unrecoverable rows, ` +
            `${n(w.rejected)} rejected, ${n(w.notAccepted)} not accepted`,
        );
      }
      for (const s of manifest.decisions.stale) err(`decisions.yaml: ${s}`);
    });

  const applyLike = (name: 'apply' | 'undo', description: string) =>
    program
      .command(name)
      .description(description)
      .option('--dry-run', 'run every statement and check every count, then roll back')
      .option('--confirm <database>', 'the target database name (current_database()), or name@host; required without a terminal')
      .option('--actor <name>', 'who is applying (a person, an agent, a ticket); recorded in salvage.salvage_history')
      .option('--into-backup', 'write even though the target is the database reconcile read as the backup')
      .option('--allow-other-target', 'apply: write even though the target is not the database reconcile compared with (a target restored to a new server since)')
      .action(async (opts: { dryRun?: boolean; confirm?: string; actor?: string; intoBackup?: boolean; allowOtherTarget?: boolean }, command: Command) => {
        const cfg = await config(command, [['target']]);
        requireEnv(cfg, ['target']);
        const started = performance.now();
        const result = await apply({
          patchDir: patchDir(cfg.jobDir),
          jobDir: cfg.jobDir,
          target: { url: cfg.target.url, embeddedDir: embeddedDir(cfg.jobDir, 'target') },
          which: name === 'apply' ? 'patch' : 'undo',
          actor: opts.actor,
          dryRun: opts.dryRun,
          confirm: opts.confirm,
          intoBackup: opts.intoBackup,
          allowOtherTarget: opts.allowOtherTarget,
          reviewed: { changeset: changesetPath(cfg.jobDir), jobDir: cfg.jobDir },
          ask: isInteractive(io) ? session.ask : undefined,
          lockTimeout: cfg.apply.lockTimeout,
          statementTimeout: cfg.apply.statementTimeout,
          log: err,
          progress: progressFor(command),
        });
        const touched = Object.values(result.rows).reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
        printTimings(command, [{ stage: name, seconds: (performance.now() - started) / 1000, rows: touched }]);
        if (result.alreadyDone) {
          out(result.alreadyDone);
          return;
        }
        for (const [table, counts] of Object.entries(result.rows)) {
          out(`${table}: ${Object.entries(counts).map(([k, count]) => `${n(count)} ${k}`).join(', ')}`);
        }
        // The outcome, once, on stdout (apply itself says nothing of it).
        out(
          result.committed
            ? `${name === 'apply' ? 'applied' : 'undone'} on ${result.database}`
            : `dry run on ${result.database}: every statement ran and matched its expected count; rolled back, nothing was written`,
        );
      });
  applyLike('apply', 'apply the reviewed patch to the target database (one transaction, counts checked, typed confirmation)');
  applyLike('undo', 'apply undo.sql: reverse exactly what the patch wrote, under the same guards');

  program
    .command('verify')
    .description('re-read the target and confirm every change of the patch is there (read only)')
    .action(async (_opts: unknown, command: Command) => {
      const cfg = await config(command, [['target']]);
      requireEnv(cfg, ['target']);
      const result = await verifyApplied({ patchDir: patchDir(cfg.jobDir), target: { url: cfg.target.url, embeddedDir: embeddedDir(cfg.jobDir, 'target') } });
      for (const p of result.problems.slice(0, 50)) err(p);
      if (result.problems.length) throw new PreconditionFailed(`${n(result.wrongRows)} of ${n(result.checked)} patched rows of ${result.database} do not hold what the patch wrote`);
      out(`all ${n(result.checked)} patched rows of ${result.database} hold what the patch wrote`);
    });

  program
    .command('doctor')
    .description("check the target connection's rights: warn if it can DROP, TRUNCATE or DELETE, print least-privilege grants")
    .action(async (_opts: unknown, command: Command) => {
      const cfg = await config(command, [['target']]);
      requireEnv(cfg, ['target']);
      const report = await doctor({ patchDir: patchDir(cfg.jobDir), target: { url: cfg.target.url, embeddedDir: embeddedDir(cfg.jobDir, 'target') } });
      if (report.warnings.length === 0) out(`the role "${report.role}" on ${report.database} cannot drop, truncate or delete the patched tables`);
      for (const w of report.warnings) out(`warning: ${w}`);
      out('\n-- A role that can apply this patch and nothing more (replace salvage_apply with your role):');
      out(createApplyRole('salvage_apply'));
      for (const g of report.grants) out(g);
    });

  program
    .command('demo')
    .description('the whole flow on the bundled sample incident, on an embedded PostgreSQL')
    .option('--backup-url <url>', 'use this (empty) database for the demo backup instead of the embedded one')
    .option('--target-url <url>', 'use this (empty) database for the demo target instead of the embedded one')
    .action(async (opts: { backupUrl?: string; targetUrl?: string }, command: Command) => {
      const g = globals(command);
      const result = await runDemo({ jobDir: path.resolve(g.job ?? './demo-recovery'), kinds: SOURCE_KINDS, backupUrl: opts.backupUrl, targetUrl: opts.targetUrl, log: out, progress: progressFor(command) });
      if (!result.ok) throw new SalvageError('the demo recovery did not meet its expectations (see above)');
    });

  return program;
}

/** Runs the CLI; the only place in salvage that decides an exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  // Any output, before a config is read too, is scrubbed of the credentials the kinds know the shape of.
  registerSecretPatterns(SOURCE_KINDS);
  const session = cliSession(io);
  const { err } = session;
  const program = buildProgram(session);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof SalvageError) {
      err(`salvage: ${error.message}`);
      // An input or connection error that kept a file system code (a records file the disk refused) is a refusal of the disk.
      return error.exitCode === ExitCode.failure && isFileSystemFailure(error) ? ExitCode.fileSystem : error.exitCode;
    }
    const refused = fileSystemRefusal(error);
    if (refused) {
      err(`salvage: ${refused.message}`);
      return refused.exitCode;
    }
    err(`salvage: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    err('This is a bug in salvage; please report it with the command you ran.');
    return ExitCode.failure;
  }
}
