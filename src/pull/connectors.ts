import type { SourceConfig } from '../config/schema.js';
import type { Connector } from '../records/connector.js';
import { kindNamed, type SourceKinds } from '../records/source-kind.js';

/** The connector for a configured source, made by its kind's own spec (the kinds the config was validated against). */
export function connectorFor(kinds: SourceKinds, name: string, source: SourceConfig): Connector {
  const spec = kindNamed(kinds, source.kind);
  // The config was validated against the same specs: a kind without one cannot get here.
  if (!spec) throw new Error(`no connector for kind ${source.kind}`);
  return spec.connect(source, `sources.${name}`);
}
