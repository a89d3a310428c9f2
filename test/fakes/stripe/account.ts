/**
 * The objects of one fake Stripe account, indexed the way list calls read them:
 * per object type, newest first (`created` descending, then id descending, so that
 * objects created in the same second still have one fixed order for cursors).
 */
import { deletedStub, type StripeJson } from './shapes.js';

export class FakeStripeAccount {
  private readonly lists = new Map<string, StripeJson[]>();
  private readonly dirty = new Set<string>();
  private readonly positions = new Map<string, Map<string, number>>();
  /** Every object ever added, by id; a deleted one as its `{ deleted: true }` stub (what expansion returns). */
  private readonly byId = new Map<string, StripeJson>();
  /** Objects served other than stored (malform): listed and paged by the stored one, answered as this. */
  private readonly servedAs = new Map<string, (stored: StripeJson) => unknown>();

  constructor(readonly accountId: string | null = null) {}

  add(...objects: StripeJson[]): this {
    for (const object of objects) {
      if (this.byId.has(object.id)) throw new Error(`fake Stripe: duplicate id ${object.id}`);
      if (typeof object.created !== 'number') throw new Error(`fake Stripe: ${object.id} has no created`);
      this.byId.set(object.id, object);
      const list = this.lists.get(object.object) ?? [];
      list.push(object);
      this.lists.set(object.object, list);
      this.dirty.add(object.object);
    }
    return this;
  }

  /** Deletes an object as Stripe does: gone from its list, a stub when retrieved or expanded. */
  delete(id: string): StripeJson {
    const object = this.byId.get(id);
    if (!object || object.deleted === true) throw new Error(`fake Stripe: nothing to delete with id ${id}`);
    const list = this.lists.get(object.object) ?? [];
    this.lists.set(
      object.object,
      list.filter((o) => o.id !== id),
    );
    this.dirty.add(object.object);
    this.byId.set(id, deletedStub(object.object, id));
    return object;
  }

  /**
   * Serves the object `id` as `change` makes it (a field of the wrong type, a time that is
   * not one, no id at all), as a broken or newer API version would: it keeps its place in
   * its list, so the objects around it are listed and paged as before.
   */
  malform(id: string, change: (stored: StripeJson) => unknown): this {
    if (!this.byId.has(id)) throw new Error(`fake Stripe: nothing to malform with id ${id}`);
    this.servedAs.set(id, change);
    return this;
  }

  /** The object as a list answers it. */
  served(object: StripeJson): unknown {
    const change = this.servedAs.get(object.id);
    return change ? change(structuredClone(object)) : object;
  }

  get(id: string): StripeJson | undefined {
    return this.byId.get(id);
  }

  /** The listed objects of one type, newest first. */
  list(objectName: string): readonly StripeJson[] {
    this.sortIfNeeded(objectName);
    return this.lists.get(objectName) ?? [];
  }

  /** Position of `id` in its list, for `starting_after`. */
  positionOf(objectName: string, id: string): number | undefined {
    this.sortIfNeeded(objectName);
    return this.positions.get(objectName)?.get(id);
  }

  /** Every listed object (not deleted), for tests computing what a pull must return. */
  listed(objectName?: string): StripeJson[] {
    const names = objectName ? [objectName] : [...this.lists.keys()];
    return names.flatMap((name) => [...this.list(name)]);
  }

  private sortIfNeeded(objectName: string): void {
    if (!this.dirty.has(objectName)) return;
    const list = this.lists.get(objectName) ?? [];
    list.sort((a, b) => (b.created as number) - (a.created as number) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    this.positions.set(objectName, new Map(list.map((object, index) => [object.id, index])));
    this.dirty.delete(objectName);
  }
}
