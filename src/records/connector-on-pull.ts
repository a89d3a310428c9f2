import type { Connector, PullContext } from './connector.js';
import type { SourceRecord } from './envelope.js';

/**
 * A connector whose code is loaded when it first pulls. Every command reads salvage.yaml
 * through the registry of source kinds, but only pull (and init's samples) ever use a
 * connector; loaded up front, the kinds' SDKs (googleapis, stripe, imapflow and
 * mailparser, ical.js) cost each command tens of megabytes of memory and a few hundred
 * milliseconds. A kind's `connect` stays synchronous and keeps its own checks of the
 * options; `load` brings in the code that pulls.
 */
export function connectorOnPull(kind: string, load: () => Promise<Connector>): Connector {
  return {
    kind,
    async *pull(context: PullContext): AsyncGenerator<SourceRecord, void, undefined> {
      const connector = await load();
      yield* connector.pull(context);
    },
  };
}
