import path from 'node:path';

export interface CaseCommand {
  args: string[];
  /** Where the output goes, when not to the terminal. */
  into?: string;
  shows: string;
}

/** Commands worth running in the demo's case file, each with what it shows; none writes to a database. */
export function demoCaseCommands(targetDatabase: string): CaseCommand[] {
  return [
    { args: ['diff'], shows: 'every change, with the records behind each value' },
    { args: ['diff', '--format', 'html'], into: 'review.html', shows: 'the page a colleague reads before approving' },
    { args: ['verify'], shows: 're-reads the target: is every patched row there, as written?' },
    { args: ['undo', '--dry-run', '--confirm', targetDatabase], shows: 'what taking the patch back would do, rolled back' },
  ];
}

const shown = (c: CaseCommand) => `salvage ${c.args.join(' ')}${c.into ? ` > ${c.into}` : ''}`;

/**
 * What the demo prints last: where its case file is and what to run there, then how
 * to start on a real incident. Kept apart from the demo's run so either can change alone.
 */
export function demoNextSteps(jobDir: string, targetDatabase: string, cwd = process.cwd()): string[] {
  const relative = path.relative(cwd, jobDir);
  const where = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : jobDir;
  const commands = demoCaseCommands(targetDatabase);
  const width = Math.max(...commands.map((c) => shown(c).length));
  return [
    '',
    'What next',
    `  The case file is ${where}/: patch/patch.sql is the SQL that ran, changeset.json every value's evidence.`,
    `  In it (cd ${where}), try:`,
    ...commands.map((c) => `    ${shown(c).padEnd(width)}   ${c.shows}`),
    '  On your own incident:',
    '    1. restore the backup into a database of its own, and export BACKUP_DATABASE_URL and TARGET_DATABASE_URL',
    '    2. put what survived (CSV and ICS exports, .eml/.mbox) in a folder, and note your API sources (Stripe, IMAP, Google Calendar)',
    '    3. salvage init --source payments=csv:exports/payments.csv --source stripe   (writes salvage.yaml and starter mappings)',
    '    4. salvage check, then pull, reconcile, diff, patch, apply: the README, "A real recovery, step by step"',
  ];
}
