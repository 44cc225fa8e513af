import type { PayloadOfType } from '../events/catalog.ts';
import type { PositionSide } from '../order.ts';
import { type EdgeEstimate, edgeValue, payoffOf } from '../risk/kelly.ts';

/*
 * The edge of a held position as the price moves (DESIGN.md "Exits": early_exit when the edge is
 * below 2%, edge_disappeared below 0, "where an edge is known"). An edge source gives a
 * probability (binary contracts, or a stop-and-target bet) or an expected move with a confidence;
 * held constant, it is worth less the further the price has already moved in the position's
 * favour: for a long the edge falls as the price rises, for a short as it falls. So "the edge
 * is below θ" is "the price is beyond one level", and the monitor watches that level per tick.
 */

/** What is known of a position's edge: the estimate of its edge source, for the held side. */
export interface HeldEdge {
  readonly source: string;
  readonly probability?: number;
  readonly expectedMove?: number;
  readonly confidence?: number;
  readonly binary?: boolean;
}

/** The edge a `Position.Edge.Updated.v1` payload carries. */
export function heldEdgeOf(data: Readonly<PayloadOfType<'Position.Edge.Updated.v1'>>): HeldEdge {
  return {
    source: data.source,
    ...(data.probability !== undefined ? { probability: data.probability } : {}),
    ...(data.expectedMove !== undefined ? { expectedMove: data.expectedMove } : {}),
    ...(data.confidence !== undefined ? { confidence: data.confidence } : {}),
    ...(data.binary === true ? { binary: true } : {}),
  };
}

/** The position's side and levels the estimate is judged with. */
export interface EdgeHolder {
  readonly side: PositionSide;
  readonly stopPrice?: number;
  readonly targetPrice?: number;
}

function estimateAt(holder: EdgeHolder, edge: HeldEdge, price: number): EdgeEstimate {
  return {
    side: holder.side,
    price,
    ...(edge.probability !== undefined ? { probability: edge.probability } : {}),
    ...(edge.expectedMove !== undefined ? { expectedMove: edge.expectedMove } : {}),
    ...(edge.confidence !== undefined ? { confidence: edge.confidence } : {}),
    ...(holder.stopPrice !== undefined ? { stopPrice: holder.stopPrice } : {}),
    ...(holder.targetPrice !== undefined ? { targetPrice: holder.targetPrice } : {}),
    ...(edge.binary !== undefined ? { binary: edge.binary } : {}),
  };
}

/**
 * The held side's edge at `price` (Kelly's definition: probability minus the break-even
 * probability, src/domain/risk/kelly.ts), or undefined when the estimate cannot be judged there
 * (no stop for an expected move, a price beyond the stop or the target, a binary price outside
 * (0, 1)).
 */
export function edgeAt(holder: EdgeHolder, edge: HeldEdge, price: number): number | undefined {
  const estimate = estimateAt(holder, edge, price);
  const payoff = payoffOf(estimate);
  return 'problem' in payoff ? undefined : edgeValue(estimate, payoff);
}

/** Relative step that keeps a search end strictly inside the open price range it bounds. */
const INSIDE = 1e-12;

/** The far end of the prices the estimate can be judged at, in the position's favour. */
function farEnd(holder: EdgeHolder, edge: HeldEdge, from: number, threshold: number): number | undefined {
  const long = holder.side === 'long';
  if (edge.binary === true) return long ? 1 - INSIDE : INSIDE;
  if (edge.probability !== undefined && holder.targetPrice !== undefined)
    return holder.targetPrice * (long ? 1 - INSIDE : 1 + INSIDE);
  // An expected move: the edge tends to a limit as the price runs away; search out to 2^60.
  let far = from;
  for (let i = 0; i < 60; i++) {
    far = long ? far * 2 : far / 2;
    const e = edgeAt(holder, edge, far);
    if (e === undefined) return undefined;
    if (e < threshold) return far;
  }
  return undefined;
}

/**
 * The price beyond which (above it for a long, below for a short) the held edge is below
 * `threshold`, found by bisection from `from`, where the edge is at least `threshold`; undefined
 * when no price in the position's favour takes it below. The level is a hint for the index to
 * wake on: `edgeAt` decides at the tick.
 */
export function edgeLevel(
  holder: EdgeHolder,
  edge: HeldEdge,
  threshold: number,
  from: number,
): number | undefined {
  const far = farEnd(holder, edge, from, threshold);
  if (far === undefined) return undefined;
  const farEdge = edgeAt(holder, edge, far);
  if (farEdge === undefined || farEdge >= threshold) return undefined;
  // Invariant: edge(near) ≥ threshold > edge(far).
  let near = from;
  let beyond = far;
  for (let i = 0; i < 200 && near !== beyond; i++) {
    const mid = (near + beyond) / 2;
    if (mid === near || mid === beyond) break;
    const e = edgeAt(holder, edge, mid);
    if (e !== undefined && e >= threshold) near = mid;
    else beyond = mid;
  }
  return near;
}
