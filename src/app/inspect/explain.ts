import { asWardenEvent, type EventOf, type PayloadOfType } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { Decimal } from '../../domain/money.ts';
import type { EventStore, StoredEvent } from '../../ports/store.ts';
import { orderCancelledText, orderFilledText, orderPlacedText, summarizeEvent } from './summary.ts';

/**
 * The causal history of a position, in global order: every event whose `data.positionId` is
 * `positionId`, and every event of the correlation chains those events belong to (the edge and
 * the entry order before the open, the order and fill between a trigger and the close, the breach
 * that flattened it), each once. Empty when the store holds no event of the position.
 */
export async function collectPositionChain(store: EventStore, positionId: string): Promise<StoredEvent[]> {
  const found = new Map<string, StoredEvent>();
  const chains = new Set<string>();
  for await (const stored of store.read({ positionId })) {
    found.set(stored.envelope.id, stored);
    chains.add(stored.envelope.correlationId ?? stored.envelope.id);
  }
  for (const correlationId of chains) {
    for await (const stored of store.read({ correlationId })) found.set(stored.envelope.id, stored);
  }
  return [...found.values()].sort((a, b) => a.position - b.position);
}

/** An event of an explained chain and how deep it sits in the tree of causes. */
export interface ChainLine {
  readonly stored: StoredEvent;
  /** 0 for an event whose cause is not in the chain, else one more than its cause. */
  readonly depth: number;
}

/**
 * Orders a chain as a tree of causes: each event under the event named by its `causationId`
 * (children in global order), roots (no cause in the chain) in global order, depth first. An event
 * that no root reaches (a cycle in damaged data) is kept, as a root, rather than dropped.
 */
export function causalTree(events: readonly StoredEvent[]): ChainLine[] {
  const sorted = [...events].sort((a, b) => a.position - b.position);
  const ids = new Set(sorted.map((e) => e.envelope.id));
  const children = new Map<string, StoredEvent[]>();
  const roots: StoredEvent[] = [];
  for (const e of sorted) {
    const cause = e.envelope.causationId;
    if (cause !== undefined && cause !== e.envelope.id && ids.has(cause)) {
      const list = children.get(cause);
      if (list === undefined) children.set(cause, [e]);
      else list.push(e);
    } else {
      roots.push(e);
    }
  }
  const lines: ChainLine[] = [];
  const seen = new Set<string>();
  const visit = (root: StoredEvent) => {
    const stack: ChainLine[] = [{ stored: root, depth: 0 }];
    while (stack.length > 0) {
      const line = stack.pop()!;
      if (seen.has(line.stored.envelope.id)) continue;
      seen.add(line.stored.envelope.id);
      lines.push(line);
      const below = children.get(line.stored.envelope.id) ?? [];
      for (let i = below.length - 1; i >= 0; i--) stack.push({ stored: below[i]!, depth: line.depth + 1 });
    }
  };
  for (const root of roots) visit(root);
  for (const e of sorted) if (!seen.has(e.envelope.id)) visit(e);
  return lines;
}

/**
 * What `warden explain` says about one event: the tick behind a trigger, the decision, the order,
 * the fill, the close; other events as `warden events` summarizes them.
 */
export function explainSummary(envelope: Envelope): string {
  const e = asWardenEvent(envelope);
  switch (e.type) {
    case 'Trading.Position.Opened.v1': {
      const d = e.data;
      return `opened ${d.side} ${d.quantity} ${d.symbol} @ ${d.entryPrice}${levels(d)} (from ${d.source})`;
    }
    case 'Trading.Position.Increased.v1': {
      const d = e.data;
      return `added ${d.addedQuantity} @ ${d.fillPrice}: now ${d.quantity} @ ${d.entryPrice}`;
    }
    case 'Trading.Position.Reduced.v1': {
      const d = e.data;
      return `reduced by ${d.reducedQuantity} @ ${d.exitPrice}: ${d.quantity} left, realized PnL ${d.realizedPnl}`;
    }
    case 'Trading.Position.Closed.v1': {
      const d = e.data;
      return `closed (${d.reason}) ${d.quantity} @ ${d.exitPrice}, realized PnL ${d.realizedPnl}`;
    }
    case 'Agent.Decision.Made.v1': {
      const d = e.data;
      return `decision ${d.action} by ${d.policy} (confidence ${d.confidence}): ${d.reasoning}`;
    }
    case 'Trading.Order.Placed.v1':
      return `order ${orderPlacedText(e.data)}`;
    case 'Trading.Order.Filled.v1':
      return `fill ${orderFilledText(e.data)}`;
    case 'Trading.Order.Cancelled.v1':
      return `order ${orderCancelledText(e.data)}`;
    case 'Trading.Order.Rejected.v1': {
      const d = e.data;
      return `order ${d.clientOrderId} rejected (${d.reason}): ${d.message}`;
    }
  }
  // A monitoring trigger carries the PnL of the tick that fired it; other position events say
  // what they are in their own words.
  const d = envelope.data;
  if (d.positionId !== undefined && typeof d.price === 'number' && d.pnl !== undefined) return triggerText(d);
  return summarizeEvent(envelope);
}

/**
 * A monitoring trigger: the price of the tick that fired it (its time is the event's), the level it
 * crossed or neared, the PnL then. Read by shape, not by type: every trigger of the catalog carries
 * a price and a PnL and some of these levels, and so may a trigger type this Warden does not know.
 */
function triggerText(d: Readonly<Record<string, unknown>>): string {
  const level = [
    d.stopPrice !== undefined ? `stop ${String(d.stopPrice)}` : undefined,
    d.targetPrice !== undefined ? `target ${String(d.targetPrice)}` : undefined,
    d.trailingStopPrice !== undefined ? `trailing stop ${String(d.trailingStopPrice)}` : undefined,
    d.milestonePct !== undefined ? `milestone +${String(d.milestonePct)}%` : undefined,
    d.distancePct !== undefined ? `${String(d.distancePct)}% away` : undefined,
  ].filter((x) => x !== undefined);
  return `tick ${String(d.price)}${level.length > 0 ? `, ${level.join(', ')}` : ''}, PnL ${String(d.pnl)}`;
}

function levels(d: PayloadOfType<'Trading.Position.Opened.v1'>): string {
  return `${d.stopPrice !== undefined ? `, stop ${d.stopPrice}` : ''}${d.targetPrice !== undefined ? `, target ${d.targetPrice}` : ''}`;
}

/** The position's story in one line: how long it was held and what it realized. */
export function explainFooter(positionId: string, events: readonly StoredEvent[]): string {
  const mine = events.map((e) => e.envelope).filter((e) => e.data.positionId === positionId);
  let opened: EventOf<'Trading.Position.Opened.v1'> | undefined;
  let closed: EventOf<'Trading.Position.Closed.v1'> | undefined;
  let realized = new Decimal(0);
  for (const envelope of mine) {
    const e = asWardenEvent(envelope);
    if (e.type === 'Trading.Position.Opened.v1') opened ??= e;
    else if (e.type === 'Trading.Position.Closed.v1') closed ??= e;
    else if (e.type === 'Trading.Position.Reduced.v1') realized = realized.plus(e.data.realizedPnl);
  }
  const openedAt = opened?.data.openedAt ?? closed?.data.openedAt ?? opened?.ts;
  if (closed !== undefined) {
    const held =
      openedAt !== undefined ? `held ${formatSpan(Date.parse(closed.ts) - Date.parse(openedAt))}` : 'held ?';
    return `${held}, closed ${closed.data.reason} at ${closed.ts}, realized PnL ${closed.data.realizedPnl}`;
  }
  const last = mine.at(-1);
  const held =
    openedAt !== undefined && last !== undefined
      ? `, held ${formatSpan(Date.parse(last.ts) - Date.parse(openedAt))} to its last event`
      : '';
  return `still open${held}, realized PnL so far ${realized.toString()}`;
}

/** `1d 2h 3m 4s`; `250ms` below a second. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
  }
  parts.push(`${rest}s`);
  return parts.join(' ');
}

/**
 * The text of `warden explain`: a header naming the position, one line per event indented two
 * spaces per level of cause (time, type, summary), and the footer.
 */
export function formatExplain(positionId: string, events: readonly StoredEvent[]): string {
  // Any event about the position itself names it (orders carry a buy or sell side instead).
  const about = events
    .map((e) => e.envelope.data)
    .find((d) => d.positionId === positionId && (d.side === 'long' || d.side === 'short'));
  const what =
    about !== undefined ? ` ${String(about.symbol)} ${String(about.side)} on ${String(about.accountId)}` : '';
  const lines = [`position ${positionId}${what}: ${events.length} event${events.length === 1 ? '' : 's'}`];
  for (const { stored, depth } of causalTree(events)) {
    const e = stored.envelope;
    lines.push(`${'  '.repeat(depth + 1)}${e.ts}  ${e.type}  ${explainSummary(e)}`);
  }
  lines.push(explainFooter(positionId, events));
  return `${lines.join('\n')}\n`;
}
