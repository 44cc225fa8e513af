import { describe, expect, it } from 'vitest';
import { edgeAt, edgeLevel } from '../../src/domain/monitoring/edge.ts';

/*
 * The held edge as the price moves, against closed forms worked out by hand: the level found by
 * bisection is where the edge crosses the threshold, and the edge is below it just beyond.
 */

describe('held edge', () => {
  it('binary: the YES edge is p − price; a short (NO) edge is price − p', () => {
    const edge = { source: 'm', probability: 0.6, binary: true };
    expect(edgeAt({ side: 'long' }, edge, 0.5)).toBeCloseTo(0.1, 12);
    expect(edgeAt({ side: 'short' }, edge, 0.7)).toBeCloseTo(0.1, 12);
    // Early exit at 2%: a YES holder is out above 0.58, a NO holder below 0.62.
    expect(edgeLevel({ side: 'long' }, edge, 0.02, 0.5)).toBeCloseTo(0.58, 9);
    expect(edgeLevel({ side: 'short' }, edge, 0.02, 0.7)).toBeCloseTo(0.62, 9);
  });

  it('stop and target: edge p − (P − S)/(T − S) for a long, crossing 0 at S + p·(T − S)', () => {
    const holder = { side: 'long' as const, stopPrice: 4990, targetPrice: 5020 };
    const edge = { source: 'm', probability: 0.6 };
    expect(edgeLevel(holder, edge, 0, 5000)).toBeCloseTo(5008, 6);
    const short = { side: 'short' as const, stopPrice: 5010, targetPrice: 4980 };
    // Short: break-even (S − P)/(S − T); edge 0 at S − p·(S − T) = 5010 − 18 = 4992.
    expect(edgeLevel(short, edge, 0, 5000)).toBeCloseTo(4992, 6);
  });

  it('expected move: the edge c − (P − S)/((1 + m)P − S) falls as the price rises', () => {
    const holder = { side: 'long' as const, stopPrice: 90 };
    const edge = { source: 'm', expectedMove: 0.2, confidence: 0.6 };
    // 0.6 − (P − 90)/(1.2P − 90) = 0.02 ⇔ P − 90 = 0.58(1.2P − 90) ⇔ 0.304P = 37.8.
    expect(edgeLevel(holder, edge, 0.02, 100)).toBeCloseTo(37.8 / 0.304, 6);
    // A confidence the move can never use up (c − 1/(1 + m) ≥ θ as P runs away): no level.
    expect(edgeLevel(holder, { source: 'm', expectedMove: 0.2, confidence: 0.9 }, 0.02, 100)).toBeUndefined();
    // Without a stop an expected move cannot be judged.
    expect(edgeAt({ side: 'long' }, edge, 100)).toBeUndefined();
  });
});
