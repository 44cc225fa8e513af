import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/app/config/load.ts';
import { resolveProfiles } from '../../src/app/config/profiles.ts';
import { thresholdsOf } from '../../src/domain/monitoring/profile.ts';

const base = `
accounts: [{ id: a, balance: 1000 }]
instruments: [{ symbol: ES, tickSize: 0.25, multiplier: 50 }]
`;

describe('profiles', () => {
  it('defaults to the DESIGN.md values, with only the hard exits on', () => {
    const p = resolveProfiles().get('default')!;
    expect(p.stopApproach).toEqual({ enterPct: 2, rearmPct: 3 });
    expect(p.targetApproach).toEqual({ enterPct: 5, rearmPct: 6 });
    expect(p.milestones).toEqual([5, 10, 20, 50, 100]);
    expect(p.timeDecayHours).toBe(72);
    expect(p.trailingStop).toBeUndefined();
    expect(p.policy).toBe('rules');
    expect(p.exits.stopLoss).toEqual({ enabled: true, noStopLossPct: 15 });
    expect(p.exits.takeProfit.enabled).toBe(true);
    for (const off of ['timeBasedUrgent', 'liquidityDriedUp', 'profitTarget', 'partialExits'] as const) {
      expect(p.exits[off].enabled, off).toBe(false);
    }
  });

  it('lets a named profile extend profiles.default, and switch a trailing stop off with null', () => {
    const config = parseConfig(
      `${base}
profiles:
  default:
    trailingStop: { activationPct: 8, distancePct: 4 }
    stopApproach: { enterPct: 1, rearmPct: 1.5 }
  scalp:
    policy: hold
    exits: { profitTarget: { enabled: true, pct: 3 } }
  plain:
    trailingStop: null
`,
      { env: {} },
    );
    const profiles = resolveProfiles(config.profiles);
    expect(profiles.get('default')!.trailingStop).toEqual({ activationPct: 8, distancePct: 4 });
    const scalp = profiles.get('scalp')!;
    expect(scalp.policy).toBe('hold');
    expect(scalp.stopApproach).toEqual({ enterPct: 1, rearmPct: 1.5 });
    expect(scalp.trailingStop).toEqual({ activationPct: 8, distancePct: 4 });
    expect(scalp.exits.profitTarget).toEqual({ enabled: true, pct: 3 });
    expect(scalp.exits.stopLoss.enabled).toBe(true);
    expect(profiles.get('plain')!.trailingStop).toBeUndefined();
  });

  it('turns a profile into trigger thresholds with once-levels in ascending order', () => {
    const config = parseConfig(
      `${base}
profiles:
  default:
    exits:
      profitTarget: { enabled: true, pct: 12 }
      partialExits: { enabled: true }
`,
      { env: {} },
    );
    const t = thresholdsOf(resolveProfiles(config.profiles).get('default')!);
    expect(t.onceLevels.map((l) => `${l.tag}@${l.pct}`)).toEqual([
      'milestone@5',
      'milestone@10',
      'profit_target@12',
      'partial_exit:0@15',
      'milestone@20',
      'partial_exit:1@25',
      'milestone@50',
      'milestone@100',
    ]);
    expect(t.noStopLossPct).toBe(15);
    expect(t.stopApproachPct).toBe(2);
    expect(t.targetRearmPct).toBe(6);
  });
});
