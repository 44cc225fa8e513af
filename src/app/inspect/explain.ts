import type { Envelope } from '../../domain/events/envelope.ts';
import { Decimal } from '../../domain/money.ts';
import type { EventStore, StoredEvent } from '../../ports/store.ts';
import { orderCancelledText, orderFilledText, orderPlacedText, summarizeEvent } from './summary.ts';

type Data = Readonly<Record<string, unknown>>;

const s = String;

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
export function explainSummary(e: Envelope): string {
  const d = e.data;
  switch (e.type) {
    case 'Trading.Position.Opened.v1':
      return `opened ${s(d.side)} ${s(d.quantity)} ${s(d.symbol)} @ ${s(d.entryPrice)}${levels(d)} (from ${s(d.source)})`;
    case 'Trading.Position.Increased.v1':
      return `added ${s(d.addedQuantity)} @ ${s(d.fillPrice)}: now ${s(d.quantity)} @ ${s(d.entryPrice)}`;
    case 'Trading.Position.Reduced.v1':
      return `reduced by ${s(d.reducedQuantity)} @ ${s(d.exitPrice)}: ${s(d.quantity)} left, realized PnL ${s(d.realizedPnl)}`;
    case 'Trading.Position.Closed.v1':
      return `closed (${s(d.reason)}) ${s(d.quantity)} @ ${s(d.exitPrice)}, realized PnL ${s(d.realizedPnl)}`;
    case 'Agent.Decision.Made.v1':
      return `decision ${s(d.action)} by ${s(d.policy)} (confidence ${s(d.confidence)}): ${s(d.reasoning)}`;
    case 'Trading.Order.Placed.v1':
      return `order ${orderPlacedText(d)}`;
    case 'Trading.Order.Filled.v1':
      return `fill ${orderFilledText(d)}`;
    case 'Trading.Order.Cancelled.v1':
      return `order ${orderCancelledText(d)}`;
    case 'Trading.Order.Rejected.v1':
      return `order ${s(d.clientOrderId)} rejected (${s(d.reason)}): ${s(d.message)}`;
  }
  // A monitoring trigger carries the PnL of the tick that fired it; other position events say
  // what they are in their own words.
  if (d.positionId !== undefined && typeof d.price === 'number' && d.pnl !== undefined) return triggerText(e);
  return summarizeEvent(e);
}

/**
 * A monitoring trigger: the price of the tick that fired it (its time is the event's), the level it
 * crossed or neared, the PnL then.
 */
function triggerText(e: Envelope): string {
  const d = e.data;
  const level = [
    d.stopPrice !== undefined ? `stop ${s(d.stopPrice)}` : undefined,
    d.targetPrice !== undefined ? `target ${s(d.targetPrice)}` : undefined,
    d.trailingStopPrice !== undefined ? `trailing stop ${s(d.trailingStopPrice)}` : undefined,
    d.milestonePct !== undefined ? `milestone +${s(d.milestonePct)}%` : undefined,
    d.distancePct !== undefined ? `${s(d.distancePct)}% away` : undefined,
  ].filter((x) => x !== undefined);
  return `tick ${s(d.price)}${level.length > 0 ? `, ${level.join(', ')}` : ''}, PnL ${s(d.pnl)}`;
}

function levels(d: Data): string {
  return `${d.stopPrice !== undefined ? `, stop ${s(d.stopPrice)}` : ''}${d.targetPrice !== undefined ? `, target ${s(d.targetPrice)}` : ''}`;
}

/** The position's story in one line: how long it was held and what it realized. */
export function explainFooter(positionId: string, events: readonly StoredEvent[]): string {
  const mine = events.map((e) => e.envelope).filter((e) => e.data.positionId === positionId);
  const opened = mine.find((e) => e.type === 'Trading.Position.Opened.v1');
  const closed = mine.find((e) => e.type === 'Trading.Position.Closed.v1');
  const openedAt = stringField(opened?.data.openedAt) ?? stringField(closed?.data.openedAt) ?? opened?.ts;
  if (closed !== undefined) {
    const held =
      openedAt !== undefined ? `held ${formatSpan(Date.parse(closed.ts) - Date.parse(openedAt))}` : 'held ?';
    return `${held}, closed ${s(closed.data.reason)} at ${closed.ts}, realized PnL ${s(closed.data.realizedPnl)}`;
  }
  let realized = new Decimal(0);
  for (const e of mine) {
    if (e.type === 'Trading.Position.Reduced.v1') realized = realized.plus(s(e.data.realizedPnl));
  }
  const last = mine.at(-1);
  const held =
    openedAt !== undefined && last !== undefined
      ? `, held ${formatSpan(Date.parse(last.ts) - Date.parse(openedAt))} to its last event`
      : '';
  return `still open${held}, realized PnL so far ${realized.toString()}`;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
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
  const what = about !== undefined ? ` ${s(about.symbol)} ${s(about.side)} on ${s(about.accountId)}` : '';
  const lines = [`position ${positionId}${what}: ${events.length} event${events.length === 1 ? '' : 's'}`];
  for (const { stored, depth } of causalTree(events)) {
    const e = stored.envelope;
    lines.push(`${'  '.repeat(depth + 1)}${e.ts}  ${e.type}  ${explainSummary(e)}`);
  }
  lines.push(explainFooter(positionId, events));
  return `${lines.join('\n')}\n`;
}
