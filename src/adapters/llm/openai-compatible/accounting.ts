/** What an endpoint charges, in USD per million tokens. */
export interface TokenPrices {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/** No prices configured: calls cost 0 but their tokens are still counted. */
export const FREE: TokenPrices = { inputPerMillion: 0, outputPerMillion: 0 };

/** The cost in USD of one call's tokens at the given prices. */
export function costUsd(promptTokens: number, completionTokens: number, prices: TokenPrices): number {
  return (promptTokens * prices.inputPerMillion + completionTokens * prices.outputPerMillion) / 1_000_000;
}

/** What the policy spent on one UTC day. */
export interface DaySpend {
  readonly usd: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Calls the endpoint answered with usage (billed), whether or not the answer was usable. */
  readonly decisions: number;
}

const DAY_MS = 86_400_000;
const NOTHING: DaySpend = { usd: 0, promptTokens: 0, completionTokens: 0, decisions: 0 };

/** Sums spend per UTC day on an injected clock; a new day starts from zero. Kept in memory only. */
export class DailySpendLedger {
  readonly #now: () => number;
  #day = Number.NaN;
  #spend: DaySpend = NOTHING;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Books one billed call on the current UTC day. */
  record(promptTokens: number, completionTokens: number, usd: number): void {
    const today = this.today();
    this.#spend = {
      usd: today.usd + usd,
      promptTokens: today.promptTokens + promptTokens,
      completionTokens: today.completionTokens + completionTokens,
      decisions: today.decisions + 1,
    };
  }

  /** The current UTC day's spend so far. */
  today(): DaySpend {
    const day = Math.floor(this.#now() / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#spend = NOTHING;
    }
    return this.#spend;
  }
}
