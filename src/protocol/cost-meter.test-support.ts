// Measures parser work without wall-clock time: bytes allocated for joining chunks and line searches
// (Buffer#indexOf). Each has a budget, and going over it throws at once, so a quadratic regression
// fails fast with a clear message instead of running for minutes (or recording millions of spy calls).

export interface Cost {
  allocated: number;
  lineSearches: number;
}

export interface CostBudget {
  maxAllocated: number;
  maxLineSearches: number;
}

export class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
}

/** Runs `fn` with Buffer.allocUnsafe (which Buffer.concat also uses) and Buffer#indexOf metered. */
export function meterCost<T>(budget: CostBudget, fn: () => T): { result: T; cost: Cost } {
  const cost: Cost = { allocated: 0, lineSearches: 0 };
  const allocUnsafe = Buffer.allocUnsafe;
  const indexOf = Buffer.prototype.indexOf;
  Buffer.allocUnsafe = (size: number) => {
    cost.allocated += size;
    if (cost.allocated > budget.maxAllocated) {
      throw new BudgetExceeded(`allocated more than ${budget.maxAllocated} bytes`);
    }
    return allocUnsafe(size);
  };
  Buffer.prototype.indexOf = function meteredIndexOf(
    this: Buffer,
    value: string | number | Uint8Array,
    byteOffset?: number,
    encoding?: BufferEncoding,
  ): number {
    cost.lineSearches++;
    if (cost.lineSearches > budget.maxLineSearches) {
      throw new BudgetExceeded(`more than ${budget.maxLineSearches} line searches`);
    }
    return indexOf.call(this, value, byteOffset, encoding);
  };
  try {
    return { result: fn(), cost };
  } finally {
    Buffer.allocUnsafe = allocUnsafe;
    Buffer.prototype.indexOf = indexOf;
  }
}
