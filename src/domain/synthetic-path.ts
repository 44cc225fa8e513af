import { type RandomGenerator, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { Tick } from '../domain/tick.ts';
import { WardenError } from './errors.ts';

/*
 * Seeded price paths for backtests and demos: geometric Brownian motion with Poisson jumps, under
 * a market-wide volatility regime that switches between calm and stormy as a 2-state Markov chain.
 *
 * Between two ticks of a symbol, dt years apart, with σ the symbol's volatility in the current
 * regime (the stormy one is `stormyVolatilityMultiplier` times the calm one):
 *
 *   ln S ← ln S + (μ − σ²/2)·dt + σ·√dt·Z + Σ_{j=1..N} J_j,   Z ~ N(0,1), N ~ Poisson(λ·dt), J ~ N(m, s²)
 *
 * Before each tick the regime switches with probability 1 − exp(−tickIntervalMs / mean stay), so
 * stays are geometric with the configured means. Each symbol's first tick is its start price.
 * Everything is a function of the seed: the same parameters and seed give the same ticks.
 */

export type Regime = 'calm' | 'stormy';

export interface PathSymbol {
  readonly symbol: string;
  readonly startPrice: number;
  /** Prices are multiples of this; default 0.01. */
  readonly tickSize?: number;
  /** Annualised volatility in the calm regime; default 0.5; 0 gives a path moved by jumps only. */
  readonly annualVolatility?: number;
}

export interface SyntheticPathParams {
  readonly symbols: readonly PathSymbol[];
  readonly tickIntervalMs: number;
  /** Epoch ms of tick 0; tick i is at startTime + i·tickIntervalMs. */
  readonly startTime: number;
  /** `round-robin` (default) cycles through the symbols; `random` draws one per tick. */
  readonly order?: 'round-robin' | 'random';
  /** Annual drift μ; default 0. */
  readonly annualDrift?: number;
  /** Default: 10 jumps a year per symbol, log-size N(0, 0.03²). Intensity 0 turns jumps off. */
  readonly jumps?: { readonly perYear: number; readonly meanLogSize: number; readonly logSizeStdDev: number };
  /** Default: stormy is 3× calm volatility; calm lasts 4 h and stormy 30 min on average. */
  readonly regimes?: {
    readonly stormyVolatilityMultiplier: number;
    readonly meanCalmMs: number;
    readonly meanStormyMs: number;
  };
  /** Quoted spread in basis points of the price; bid and ask are only given when this is set. */
  readonly spreadBps?: number;
  /** Mean of the (exponential, whole-unit, at least 1) volume of a tick; default 10. */
  readonly meanVolume?: number;
}

/** Where a path stands; a plain value, so a step can be replayed from any state. */
export interface PathState {
  /** Index of the next tick. */
  readonly index: number;
  readonly rng: RandomGenerator;
  readonly regime: Regime;
  /** Unrounded log price per symbol, in the order of `symbols`. */
  readonly logPrices: readonly number[];
  /** Index of each symbol's last tick, -1 before its first. */
  readonly lastIndex: readonly number[];
}

export interface PathStep {
  readonly tick: Tick;
  /** The regime the tick's move was drawn in. */
  readonly regime: Regime;
  /** Number of jumps in this move. */
  readonly jumps: number;
  readonly state: PathState;
}

const MS_PER_YEAR = 365.25 * 24 * 3600 * 1000;

/** Parameters with every default filled in and the per-symbol constants precomputed. */
export interface ResolvedPath {
  readonly params: SyntheticPathParams;
  readonly symbols: readonly {
    readonly symbol: string;
    readonly startPrice: number;
    readonly tickSize: number;
    readonly volatility: number;
    /** Prices are k·tickUnits / scale with integer k, which rounds exactly in decimal. */
    readonly scale: number;
    readonly tickUnits: number;
    readonly minLogPrice: number;
  }[];
  readonly drift: number;
  readonly jumpsPerYear: number;
  readonly jumpMean: number;
  readonly jumpStdDev: number;
  readonly stormyMultiplier: number;
  readonly pLeaveCalm: number;
  readonly pLeaveStormy: number;
  readonly halfSpread: number | undefined;
  readonly meanVolume: number;
}

function invalid(message: string): never {
  throw new WardenError('WARDEN_CONFIG_INVALID', `synthetic feed: ${message}`);
}

function positive(name: string, x: number): number {
  if (!(x > 0 && Number.isFinite(x))) invalid(`${name} must be a positive finite number, got ${x}`);
  return x;
}

function nonNegative(name: string, x: number): number {
  if (!(x >= 0 && Number.isFinite(x))) invalid(`${name} must be a finite number ≥ 0, got ${x}`);
  return x;
}

/** Smallest power of ten `scale` for which tickSize·scale is (close to) a whole number. */
function decimalScale(tickSize: number): number {
  for (let d = 0; d <= 12; d++) {
    const scaled = tickSize * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return 10 ** d;
  }
  return invalid(`tickSize ${tickSize} has more than 12 decimals`);
}

/** Validates the parameters (throws `WARDEN_CONFIG_INVALID`) and fills in the defaults. */
export function resolvePath(params: SyntheticPathParams): ResolvedPath {
  if (params.symbols.length === 0) invalid('at least one symbol is required');
  const seen = new Set<string>();
  const symbols = params.symbols.map((s) => {
    if (s.symbol === '' || seen.has(s.symbol)) invalid(`symbol "${s.symbol}" is empty or repeated`);
    seen.add(s.symbol);
    const tickSize = positive(`${s.symbol} tickSize`, s.tickSize ?? 0.01);
    const scale = decimalScale(tickSize);
    return {
      symbol: s.symbol,
      startPrice: positive(`${s.symbol} startPrice`, s.startPrice),
      tickSize,
      volatility:
        s.annualVolatility === undefined
          ? 0.5
          : nonNegative(`${s.symbol} annualVolatility`, s.annualVolatility),
      scale,
      tickUnits: Math.round(tickSize * scale),
      minLogPrice: Math.log(tickSize),
    };
  });
  const interval = positive('tickIntervalMs', params.tickIntervalMs);
  if (!Number.isFinite(params.startTime)) invalid(`startTime must be finite, got ${params.startTime}`);
  const jumps = params.jumps ?? { perYear: 10, meanLogSize: 0, logSizeStdDev: 0.03 };
  if (!(jumps.perYear >= 0) || !(jumps.logSizeStdDev >= 0) || !Number.isFinite(jumps.meanLogSize)) {
    invalid('jumps need perYear ≥ 0, logSizeStdDev ≥ 0 and a finite meanLogSize');
  }
  const regimes = params.regimes ?? {
    stormyVolatilityMultiplier: 3,
    meanCalmMs: 4 * 3600_000,
    meanStormyMs: 30 * 60_000,
  };
  const drift = params.annualDrift ?? 0;
  if (!Number.isFinite(drift)) invalid(`annualDrift must be finite, got ${drift}`);
  if (params.spreadBps !== undefined && !(params.spreadBps >= 0 && params.spreadBps < 20_000)) {
    invalid(`spreadBps must be in [0, 20000), got ${params.spreadBps}`);
  }
  return {
    params,
    symbols,
    drift,
    jumpsPerYear: jumps.perYear,
    jumpMean: jumps.meanLogSize,
    jumpStdDev: jumps.logSizeStdDev,
    stormyMultiplier: positive('stormyVolatilityMultiplier', regimes.stormyVolatilityMultiplier),
    pLeaveCalm: 1 - Math.exp(-interval / positive('meanCalmMs', regimes.meanCalmMs)),
    pLeaveStormy: 1 - Math.exp(-interval / positive('meanStormyMs', regimes.meanStormyMs)),
    halfSpread: params.spreadBps === undefined ? undefined : params.spreadBps / 20_000,
    meanVolume: params.meanVolume === undefined ? 10 : positive('meanVolume', params.meanVolume),
  };
}

/** The state before tick 0 for a seed (any integer; it is reduced to 32 bits). */
export function initialPathState(path: ResolvedPath, seed: number): PathState {
  if (!Number.isInteger(seed)) invalid(`seed must be an integer, got ${seed}`);
  return {
    index: 0,
    rng: xoroshiro128plus(seed | 0),
    regime: 'calm',
    logPrices: path.symbols.map((s) => Math.log(s.startPrice)),
    lastIndex: path.symbols.map(() => -1),
  };
}

/** Uniform double in (0, 1), from 53 random bits. */
function uniform(rng: RandomGenerator): number {
  const hi = rng.unsafeNext() >>> 5;
  const lo = rng.unsafeNext() >>> 6;
  return (hi * 67108864 + lo + 0.5) / 9007199254740992;
}

/** Standard normal by Box–Muller. */
function normal(rng: RandomGenerator): number {
  return Math.sqrt(-2 * Math.log(uniform(rng))) * Math.cos(2 * Math.PI * uniform(rng));
}

/** Poisson(lambda) by multiplication of uniforms; lambda is small here, so this is one draw or two. */
function poisson(rng: RandomGenerator, lambda: number): number {
  if (lambda <= 0) return 0;
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = uniform(rng);
  while (p > limit) {
    k += 1;
    p *= uniform(rng);
  }
  return k;
}

/**
 * Draws tick `state.index`. Pure: the state passed in is not changed (its generator is cloned),
 * and the same state always gives the same step.
 */
export function stepPath(path: ResolvedPath, state: PathState): PathStep {
  const rng = state.rng.clone();
  const i = state.index;
  const n = path.symbols.length;
  const k = path.params.order === 'random' ? unsafeUniformIntDistribution(0, n - 1, rng) : i % n;
  const s = path.symbols[k] as ResolvedPath['symbols'][number];

  const leave = state.regime === 'calm' ? path.pLeaveCalm : path.pLeaveStormy;
  const regime: Regime = uniform(rng) < leave ? (state.regime === 'calm' ? 'stormy' : 'calm') : state.regime;

  let logPrice = state.logPrices[k] as number;
  const last = state.lastIndex[k] as number;
  let jumps = 0;
  if (last >= 0) {
    const dt = ((i - last) * path.params.tickIntervalMs) / MS_PER_YEAR;
    const sigma = regime === 'stormy' ? s.volatility * path.stormyMultiplier : s.volatility;
    logPrice += (path.drift - (sigma * sigma) / 2) * dt + sigma * Math.sqrt(dt) * normal(rng);
    jumps = poisson(rng, path.jumpsPerYear * dt);
    for (let j = 0; j < jumps; j++) logPrice += path.jumpMean + path.jumpStdDev * normal(rng);
    // Below one tick a price cannot be quoted; hold the path there rather than at zero.
    if (logPrice < s.minLogPrice) logPrice = s.minLogPrice;
  }

  const mid = Math.exp(logPrice);
  const units = (x: number) => (x * s.tickUnits) / s.scale;
  const priceK = Math.max(1, Math.round(mid / s.tickSize));
  const volume = Math.max(1, Math.round(-Math.log(uniform(rng)) * path.meanVolume));
  const tick: { -readonly [K in keyof Tick]: Tick[K] } = {
    ts: path.params.startTime + i * path.params.tickIntervalMs,
    symbol: s.symbol,
    price: units(priceK),
  };
  if (path.halfSpread !== undefined) {
    const bidK = Math.max(1, Math.min(priceK, Math.floor((mid * (1 - path.halfSpread)) / s.tickSize)));
    const askK = Math.max(bidK + 1, priceK, Math.ceil((mid * (1 + path.halfSpread)) / s.tickSize));
    tick.bid = units(bidK);
    tick.ask = units(askK);
  }
  tick.volume = volume;

  const logPrices = state.logPrices.slice();
  logPrices[k] = logPrice;
  const lastIndex = state.lastIndex.slice();
  lastIndex[k] = i;
  return { tick, regime, jumps, state: { index: i + 1, rng, regime, logPrices, lastIndex } };
}
