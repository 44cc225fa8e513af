import type { Candle, CandleInterval } from '../domain/candles.ts';
import {
  CorrelationSpikedV1,
  type PayloadOfType,
  ThesisInvalidatedV1,
  VolatilitySpikedV1,
} from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import type { Instrument } from '../domain/instrument.ts';
import {
  CorrelationMonitor,
  correlationSpikedPayload,
  ThesisWatch,
  thesisInvalidatedPayload,
  VolatilityMonitor,
  volatilitySpikedPayload,
} from '../domain/monitoring/candle-signals.ts';
import type { MonitorProfile } from '../domain/monitoring/profile.ts';
import type { Position } from '../domain/position.ts';
import type { EventFactory } from './event-factory.ts';
import { triggerFields } from './monitor-events.ts';

export interface CandleWatchDeps {
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly positionById: (id: string) => Position | undefined;
  readonly instrument: (symbol: string) => Instrument | undefined;
  /** HIGH events (thesis) go to the decision policy. */
  readonly route: (
    event: Envelope,
    position: Position,
    instrument: Instrument,
    profile: MonitorProfile,
    price: number,
  ) => void;
  /** LOW events are counted for the per-candle summary. */
  readonly countLow: (accountId: string, type: string) => void;
  /** The default profile: its correlation settings apply per account. */
  readonly defaultProfile: MonitorProfile;
}

interface Entry {
  readonly position: Position;
  readonly profile: MonitorProfile;
  readonly thesis?: ThesisWatch;
  /** The volatility settings the position's profile watches with, when it watches at all. */
  readonly volatility?: string;
}

/** Volatility settings as a key: positions share a monitor only when they share all of them. */
function volatilityKey(v: MonitorProfile['volatility']): string {
  return `${v.atrPeriod}|${v.meanPeriod}|${v.multiplier}`;
}

/**
 * Candle-close signals of the watched positions: thesis invalidation (HIGH), volatility spikes
 * per symbol and interval (LOW, on the rising edge), and correlation spikes per account (LOW).
 */
export class CandleWatch {
  private readonly entries = new Map<string, Entry>();
  /** Position ids by symbol, so a candle only visits the positions of its symbol. */
  private readonly bySymbol = new Map<string, Set<string>>();
  /** Volatility monitors by `symbol|interval`, then by settings. */
  private readonly volatility = new Map<string, Map<string, VolatilityMonitor>>();
  private readonly correlation = new Map<string, CorrelationMonitor>();
  /** Open time of the last correlation-interval candle seen per symbol. */
  private readonly lastOpen = new Map<string, number>();

  constructor(private readonly deps: CandleWatchDeps) {}

  add(position: Position, profile: MonitorProfile): void {
    const t = position.thesis;
    const thesis =
      t !== undefined && (t.invalidationPrice !== undefined || t.swingBreak === true)
        ? new ThesisWatch({
            side: position.side,
            thesis: { ...t, interval: t.interval ?? profile.thesis.defaultInterval },
            swingLookback: profile.thesis.swingLookback,
          })
        : undefined;
    const v = profile.volatility;
    const settings = v.enabled ? volatilityKey(v) : undefined;
    this.entries.set(position.id, {
      position,
      profile,
      ...(thesis !== undefined ? { thesis } : {}),
      ...(settings !== undefined ? { volatility: settings } : {}),
    });
    const ids = this.bySymbol.get(position.symbol) ?? new Set<string>();
    ids.add(position.id);
    this.bySymbol.set(position.symbol, ids);
    if (settings === undefined) return;
    const key = `${position.symbol}|${v.interval}`;
    const monitors = this.volatility.get(key) ?? new Map<string, VolatilityMonitor>();
    this.volatility.set(key, monitors);
    if (!monitors.has(settings)) {
      monitors.set(
        settings,
        new VolatilityMonitor({
          symbol: position.symbol,
          interval: v.interval as CandleInterval,
          period: v.atrPeriod,
          meanPeriod: v.meanPeriod,
          multiplier: v.multiplier,
        }),
      );
    }
  }

  remove(positionId: string): void {
    const entry = this.entries.get(positionId);
    if (entry === undefined) return;
    this.entries.delete(positionId);
    this.bySymbol.get(entry.position.symbol)?.delete(positionId);
  }

  private entriesOf(symbol: string): Entry[] {
    const ids = this.bySymbol.get(symbol);
    if (ids === undefined) return [];
    return [...ids].map((id) => this.entries.get(id)!);
  }

  onCandle(candle: Candle): void {
    const entries = this.entriesOf(candle.symbol);
    for (const entry of entries) {
      if (entry.thesis === undefined) continue;
      const hit = entry.thesis.onCandle(candle);
      if (hit === undefined) continue;
      const position = this.deps.positionById(entry.position.id);
      const instrument = this.deps.instrument(candle.symbol);
      if (position === undefined || instrument === undefined) continue;
      const event = this.deps.events.create(
        ThesisInvalidatedV1,
        position.accountId,
        thesisInvalidatedPayload(triggerFields(position, instrument, candle.close), candle.interval, hit),
      );
      this.deps.emit(event);
      this.deps.route(event, position, instrument, entry.profile, candle.close);
    }
    // One monitor per symbol, interval and settings; a spike reaches only the positions whose
    // profile watches volatility with those settings.
    for (const [settings, monitor] of this.volatility.get(`${candle.symbol}|${candle.interval}`) ?? []) {
      const reading = monitor.onCandle(candle);
      if (!reading?.risingEdge || reading.atrMean === undefined) continue;
      for (const entry of entries) {
        if (entry.volatility !== settings) continue;
        const position = this.deps.positionById(entry.position.id);
        const instrument = this.deps.instrument(candle.symbol);
        if (position === undefined || instrument === undefined) continue;
        this.deps.emit(
          this.deps.events.create(
            VolatilitySpikedV1,
            position.accountId,
            volatilitySpikedPayload(triggerFields(position, instrument, candle.close), candle.interval, {
              ...reading,
              atrMean: reading.atrMean,
            }),
          ),
        );
        this.deps.countLow(position.accountId, VolatilitySpikedV1.type);
      }
    }
    this.checkCorrelation(candle);
  }

  private checkCorrelation(candle: Candle): void {
    const settings = this.deps.defaultProfile.correlation;
    if (!settings.enabled || candle.interval !== settings.interval) return;
    this.lastOpen.set(candle.symbol, candle.openTime);
    const symbolsByAccount = new Map<string, Set<string>>();
    for (const { position } of this.entries.values()) {
      const set = symbolsByAccount.get(position.accountId) ?? new Set<string>();
      set.add(position.symbol);
      symbolsByAccount.set(position.accountId, set);
    }
    for (const [accountId, symbols] of symbolsByAccount) {
      if (!symbols.has(candle.symbol)) continue;
      let monitor = this.correlation.get(accountId);
      if (monitor === undefined) {
        monitor = new CorrelationMonitor({
          interval: settings.interval as CandleInterval,
          window: settings.window,
          threshold: settings.threshold,
        });
        this.correlation.set(accountId, monitor);
      }
      monitor.onCandle(candle);
      if (symbols.size < 2) continue;
      // Judge the account once per boundary: when every one of its symbols has this candle.
      if (![...symbols].every((sym) => this.lastOpen.get(sym) === candle.openTime)) continue;
      const check = monitor.check([...symbols].sort());
      if (check?.risingEdge) {
        this.deps.emit(
          this.deps.events.create(
            CorrelationSpikedV1,
            accountId,
            correlationSpikedPayload(accountId, candle.interval, check),
          ),
        );
        this.deps.countLow(accountId, CorrelationSpikedV1.type);
      }
    }
  }
}

/** A candle from the payload of `Market.Candle.Closed.v1`. */
export function candleOf(data: Readonly<PayloadOfType<'Market.Candle.Closed.v1'>>): Candle;
/**
 * @deprecated Pass the typed payload (`asWardenEvent(envelope)` narrowed to
 * `Market.Candle.Closed.v1`); this form stays only until its last callers read typed events.
 */
export function candleOf(data: Readonly<Record<string, unknown>>): Candle;
export function candleOf(
  data: Readonly<PayloadOfType<'Market.Candle.Closed.v1'>> | Readonly<Record<string, unknown>>,
): Candle {
  // Converted field by field for the untyped form; the typed payload passes through unchanged.
  return {
    symbol: String(data.symbol),
    interval: data.interval as CandleInterval,
    openTime: Date.parse(String(data.openTime)),
    closeTime: Date.parse(String(data.closeTime)),
    open: Number(data.open),
    high: Number(data.high),
    low: Number(data.low),
    close: Number(data.close),
    volume: Number(data.volume),
    ticks: Number(data.ticks),
  };
}
