// Run: the places this run knows of but did not read in full, where a lone half's other half may be.
import { type LockHalf, lockOf } from '../core/lock-half';
import type { UnreadView } from '../core/lock-source';
import type { Place, StoreKind } from '../core/place';
import type { LockfileIndex } from './lockfile-index';
import type { Sources } from './sources';

/**
 * A lock found in one place only is judged alone, unless its other half may be in a place the janitor did not
 * read in full this run (opted out, failed, not reached, read in part): deleting that half alone would leave the
 * other half held (Terraform's unlock then fails) and may take a live lock's half. Each other store is asked
 * about that one lock in such places (one consistent read: nothing there is judged or changed); a half found
 * there, or a place that cannot say, keeps the lone half from being deleted. Lives one run.
 */
export class UnreadPlaces {
  private readonly places = new Map<StoreKind, { place: Place; why: string }[]>();
  private readonly unlisted = new Map<StoreKind, Map<string, string>>();

  /** @param parked this run's pairing index: a place it is still reading is not read in full yet. */
  constructor(
    private readonly sources: Sources,
    private readonly parked?: Pick<LockfileIndex, 'unsettled'>,
  ) {}

  /** A place not read in full this run, and why (named `*`: the places of its region could not be listed). */
  add(place: Place, why: string): void {
    if (place.name === '*') {
      const regions = this.unlisted.get(place.store) ?? new Map<string, string>();
      regions.set(place.region, why);
      this.unlisted.set(place.store, regions);
      return;
    }
    this.places.set(place.store, [...(this.places.get(place.store) ?? []), { place, why }]);
  }

  /**
   * Why the lone half must not be deleted alone (its other half is, or may be, unread); undefined: it stands alone.
   * Answered at once, without a promise, while every place was read in full and no bucket can still be read (every
   * store then answers undefined): a run reads most of its locks so, and asks this of each.
   */
  partnerUnread(half: LockHalf): Promise<string | undefined> | undefined {
    if (this.places.size === 0 && this.unlisted.size === 0 && !this.parked?.unsettled()) return undefined;
    return this.ask(half);
  }

  private async ask(half: LockHalf): Promise<string | undefined> {
    const { lockId, info } = lockOf(half);
    for (const source of this.sources.all) {
      if (source.store === half.store) continue;
      const why = await source.partnerUnread(
        { lockId, id: info.ID, region: half.region },
        this.view(source.store),
      );
      if (why !== undefined) return why;
    }
    return undefined;
  }

  private view(store: StoreKind): UnreadView {
    return {
      places: this.places.get(store) ?? [],
      unlisted: this.unlisted.get(store) ?? new Map(),
      unsettled: (name) => this.parked?.unsettled(name) ?? false,
    };
  }
}
