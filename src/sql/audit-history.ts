/**
 * salvage's own audit trail in the target: one row per committed apply or undo,
 * written in the same transaction as the patch (so it exists only if the patch does).
 */
export const HISTORY_TABLE_EXISTS = "SELECT to_regclass('salvage.salvage_history') IS NOT NULL AS present";

export const CREATE_HISTORY = [
  'CREATE SCHEMA IF NOT EXISTS salvage',
  `CREATE TABLE IF NOT EXISTS salvage.salvage_history (
  id bigserial PRIMARY KEY,
  patch_id text NOT NULL,
  patch_sha256 text NOT NULL,
  undo_sha256 text NOT NULL,
  action text NOT NULL CHECK (action IN ('apply', 'undo')),
  actor text,
  os_user text NOT NULL,
  host text NOT NULL,
  database_role text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  counts jsonb NOT NULL,
  outcome text NOT NULL
)`,
];

export const INSERT_HISTORY = `INSERT INTO salvage.salvage_history
  (patch_id, patch_sha256, undo_sha256, action, actor, os_user, host, database_role, counts, outcome)
  VALUES ($1, $2, $3, $4, $5, $6, $7, current_user, $8::jsonb, 'committed')
  RETURNING applied_at`;

/** The latest recorded action for a patch: decides whether apply or undo is due. */
export const LATEST_HISTORY_FOR_PATCH = `SELECT action, applied_at, actor, os_user, host, undo_sha256 FROM salvage.salvage_history
  WHERE patch_sha256 = $1 ORDER BY id DESC LIMIT 1`;
