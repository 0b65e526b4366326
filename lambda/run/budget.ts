// Run: the run's deletion budget (maxDeletionsPerRun), reserved before a delete and refunded if none happened.

/** How many deletions the run may still make; shared by every place swept in the run. */
export class DeletionBudget {
  private reserved = 0;

  constructor(private readonly max: number) {}

  /** Deletions still possible. */
  get left(): number {
    return this.max - this.reserved;
  }

  /**
   * Takes one deletion, synchronously, so places swept at once can never overshoot the cap together; false when
   * none is left.
   */
  reserve(): boolean {
    if (this.left <= 0) return false;
    this.reserved++;
    return true;
  }

  /** Gives back a reservation whose delete did not happen (the lock changed, or the call failed). */
  refund(): void {
    this.reserved = Math.max(0, this.reserved - 1);
  }
}
