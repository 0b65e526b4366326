// Run: when each place was last read in full, so a lock first seen now is known to be younger than that read.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import type { TableRef } from '../core/ports';
import type { SweepOptions } from './options';

/**
 * The end of each place's last complete sweep as remembered when this run began to read it: a lock this run sees
 * for the first time was not there then, so its age never counts from before it (whatever its `Created` says).
 * Lives one run. 0: no complete sweep is remembered (the age then counts from `Created` alone). A memory that
 * cannot be read bounds the place's new locks by this run (their age counts from their first sighting), and is
 * reported.
 */
export class PlaceAbsence {
  private readonly known = new Map<string, Promise<number>>();
  readonly failures: RunFailure[] = [];

  constructor(private readonly opts: Pick<SweepOptions, 'state' | 'now' | 'logger'>) {}

  /** The bound for locks first seen in `place` this run (epoch ms; 0 when none). */
  of(place: TableRef): Promise<number> {
    const key = JSON.stringify([place.region, place.table]);
    let bound = this.known.get(key);
    if (!bound) {
      bound = this.read(place);
      this.known.set(key, bound);
    }
    return bound;
  }

  private async read(place: TableRef): Promise<number> {
    try {
      return (await this.opts.state.lastCompleteSweep(place)) ?? 0;
    } catch (e) {
      const message = `could not read when ${place.table} (${place.region}) was last read in full: ${describeError(e)}; locks first seen there this run count their age from this run`;
      this.opts.logger?.warn({ region: place.region, table: place.table, message }, 'sweep memory unread');
      this.failures.push({ kind: 'sweep-memory', region: place.region, table: place.table, message });
      return this.opts.now.getTime();
    }
  }
}
