import { SOURCE_KINDS } from '../../connectors/registry.js';
import type { SourceConfig } from '../config/schema.js';
import type { Connector } from '../records/connector.js';
import type { SourceKindSpec } from '../records/source-kind.js';

/** The connector for a configured source, made by its kind's own spec (connectors/registry.ts). */
export function connectorFor(name: string, source: SourceConfig): Connector {
  const spec: SourceKindSpec | undefined = SOURCE_KINDS.find((k) => k.kind === source.kind);
  // The config was validated against the same specs: a kind without one cannot get here.
  if (!spec) throw new Error(`no connector for kind ${source.kind}`);
  return spec.connect(source, `sources.${name}`);
}
