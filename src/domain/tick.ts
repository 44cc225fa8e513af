/** One price observation for a symbol. */
export interface Tick {
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly symbol: string;
  /** Last traded price. */
  readonly price: number;
  readonly bid?: number;
  readonly ask?: number;
  readonly volume?: number;
}

/** A tick with the place it came from, for error reports. */
export interface SourcedTick extends Tick {
  /** 1-based line number in the source file, when the source is a file. */
  readonly line?: number;
}

/** Something wrong with one input record; the record was skipped (or the run stopped in strict mode). */
export interface InputProblem {
  readonly line?: number;
  readonly code:
    | 'WARDEN_TICK_MALFORMED'
    | 'WARDEN_TICK_BAD_PRICE'
    | 'WARDEN_TICK_UNKNOWN_SYMBOL'
    | 'WARDEN_TICK_OUT_OF_ORDER'
    | 'WARDEN_TICK_DUPLICATE'
    | 'WARDEN_TICK_OUTLIER'
    | 'WARDEN_TICK_CLOCK_JUMP';
  readonly message: string;
}
