// Adapter: what the in-process memory keeps of each lock instance, packed: numbers and hashes in columns, found by place, LockID and ID.
import { hash } from 'node:crypto';
import type { LockKey } from '../core/ports';

/**
 * The SHA-256 of a string's UTF-8 bytes, its 32 bytes as the characters of a latin1 (`binary`) string: the
 * one-shot hash makes no Hash object, whose native state would outlive each sighting until it is collected.
 */
export const sha256 = (text: string): string => hash('sha256', text, 'binary');

/** The number fields of a lock instance, by their column; `NaN` for a time means none. */
export const Field = {
  Count: 0,
  FirstSeenMs: 1,
  /** When the last counted sighting was (sightings closer than the gap do not count). */
  LastSeenMs: 2,
  LastAlertedMs: 3,
  /** When a counted sighting saw the state digest change. */
  LastWriteMs: 4,
  /** The end of the place's last complete sweep when the lock was first seen (0: none). */
  AbsentMs: 5,
  /** When the instance was first remembered, in the memory's own order (what lists it gives keep). */
  Order: 6,
} as const;
type Field = (typeof Field)[keyof typeof Field];

/** The hashes of a lock instance: its `Info`, the `Info` the last alert named, the last state digest seen. */
export const Hash = { Info: 0, Alerted: 1, Digest: 2 } as const;
type Hash = (typeof Hash)[keyof typeof Hash];

const NUMBERS = 7;
/** Three SHA-256s and the flag saying whether a digest was kept. */
const BYTES = 3 * 32 + 1;

/**
 * Lock instances in slots: each slot's numbers in one Float64Array and its hashes in one Uint8Array, its LockID
 * and ID by reference (the strings the run read, shared with its other uses, not a key string made of them), found
 * through a map per place from LockID to slot(s). No object, number box or hex string per lock: about 150 bytes a
 * lock instead of about 460 (an object with hex hashes, under a JSON key). A digest is compared by its SHA-256:
 * two different digests read as the same only if their SHA-256s collide (about 2^-256 for one comparison), as two
 * `Info`s already did.
 */
export class LockSlots {
  private numbers = new Float64Array(0);
  private bytes = new Uint8Array(0);
  private size = 0;
  private order = 0;
  private readonly free: number[] = [];
  private readonly lockIds: string[] = [];
  private readonly ids: string[] = [];
  /** Per place, key `[region, table]`: each LockID's slot, or slots (instances of it not forgotten yet). */
  private readonly places = new Map<string, Map<string, number | number[]>>();

  /** The slot of a lock instance, if it is remembered. */
  find(key: LockKey): number | undefined {
    const held = this.places.get(placeKey(key.region, key.table))?.get(key.lockId);
    if (held === undefined) return undefined;
    if (typeof held === 'number') return this.ids[held] === key.id ? held : undefined;
    return held.find((slot) => this.ids[slot] === key.id);
  }

  /** A slot for a lock instance not remembered yet (a freed one first); its fields are to be set. */
  add(key: LockKey): number {
    const slot = this.take();
    this.lockIds[slot] = key.lockId;
    this.ids[slot] = key.id;
    this.set(slot, Field.Order, this.order++);
    const name = placeKey(key.region, key.table);
    let place = this.places.get(name);
    if (!place) {
      place = new Map();
      this.places.set(name, place);
    }
    const held = place.get(key.lockId);
    if (held === undefined) place.set(key.lockId, slot);
    else if (typeof held === 'number') place.set(key.lockId, [held, slot]);
    else held.push(slot);
    return slot;
  }

  /** Forgets the lock instance in `slot` of the place. */
  remove(region: string, table: string, slot: number): void {
    const name = placeKey(region, table);
    const place = this.places.get(name);
    const lockId = this.lockIds[slot];
    const held = place?.get(lockId);
    if (!place || held === undefined) return;
    const rest = typeof held === 'number' ? [] : held.filter((s) => s !== slot);
    if (rest.length === 0) place.delete(lockId);
    else place.set(lockId, rest.length === 1 ? rest[0] : rest);
    if (place.size === 0) this.places.delete(name);
    this.lockIds[slot] = '';
    this.ids[slot] = '';
    this.free.push(slot);
  }

  /** The slots of a place's lock instances, with their LockID and ID. */
  *of(region: string, table: string): Generator<{ slot: number; lockId: string; id: string }> {
    const place = this.places.get(placeKey(region, table));
    if (!place) return;
    for (const held of place.values())
      for (const slot of typeof held === 'number' ? [held] : held)
        yield { slot, lockId: this.lockIds[slot], id: this.ids[slot] };
  }

  get(slot: number, field: Field): number {
    return this.numbers[slot * NUMBERS + field];
  }

  set(slot: number, field: Field, value: number): void {
    this.numbers[slot * NUMBERS + field] = value;
  }

  /** Whether the slot's hash `which` is `sha` (see `sha256`; the digest: false when none was kept). */
  same(slot: number, which: Hash, sha: string): boolean {
    if (which === Hash.Digest && !this.hasDigest(slot)) return false;
    const at = slot * BYTES + which * 32;
    for (let i = 0; i < 32; i++) if (this.bytes[at + i] !== sha.charCodeAt(i)) return false;
    return true;
  }

  /** Keeps `sha` (see `sha256`) as the slot's hash `which` (the digest: none when undefined). */
  keep(slot: number, which: Hash, sha: string | undefined): void {
    if (which === Hash.Digest) this.bytes[slot * BYTES + 96] = sha === undefined ? 0 : 1;
    if (sha === undefined) return;
    const at = slot * BYTES + which * 32;
    for (let i = 0; i < 32; i++) this.bytes[at + i] = sha.charCodeAt(i);
  }

  /** Copies the slot's hash `from` to its hash `to` (the alerted `Info` from the one seen). */
  copy(slot: number, from: Hash, to: Hash): void {
    const at = slot * BYTES;
    this.bytes.copyWithin(at + to * 32, at + from * 32, at + from * 32 + 32);
  }

  hasDigest(slot: number): boolean {
    return this.bytes[slot * BYTES + 96] === 1;
  }

  private take(): number {
    const freed = this.free.pop();
    if (freed !== undefined) return freed;
    if (this.size * NUMBERS >= this.numbers.length) {
      const capacity = Math.max(256, this.size * 2);
      const numbers = new Float64Array(capacity * NUMBERS);
      numbers.set(this.numbers);
      const bytes = new Uint8Array(capacity * BYTES);
      bytes.set(this.bytes);
      this.numbers = numbers;
      this.bytes = bytes;
    }
    return this.size++;
  }
}

/** A place's key: `[region, table]` as JSON. */
export function placeKey(region: string, table: string): string {
  return JSON.stringify([region, table]);
}
