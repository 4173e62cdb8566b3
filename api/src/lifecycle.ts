// Whether this replica should get traffic. A shutdown flips it first, before anything closes:
// /readyz answers 503 and leaseTask hands out no new work, while requests in flight finish.
export class Lifecycle {
  private drainingSince: Date | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  get since(): Date | null {
    return this.drainingSince;
  }

  /** Returns false when the shutdown had already begun. */
  beginDrain(): boolean {
    if (this.drainingSince) return false;
    this.drainingSince = new Date();
    return true;
  }
}
