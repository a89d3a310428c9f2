/**
 * The enabled user triggers and the rules on the given tables ($1: their quoted,
 * qualified names): code that runs when salvage writes, and may change what it wrote.
 */
export const TRIGGERS_AND_RULES = `SELECT 'trigger' AS kind, t.tgname::text AS name, t.tgrelid::regclass::text AS table_name
  FROM pg_trigger t
  WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgrelid IN (SELECT to_regclass(n) FROM unnest($1::text[]) AS n)
UNION ALL
SELECT 'rule', r.rulename::text, r.ev_class::regclass::text
  FROM pg_rewrite r
  WHERE r.rulename <> '_RETURN' AND r.ev_class IN (SELECT to_regclass(n) FROM unnest($1::text[]) AS n)
ORDER BY 3, 1, 2`;
