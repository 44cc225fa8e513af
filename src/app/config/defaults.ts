import { parseConfig } from './load.ts';
import type { WardenConfig } from './schema.ts';

/**
 * The configuration `warden run` uses without `--config`: one paper account, three instruments
 * on a synthetic feed, and the demo edge source opening positions for the engine to guard.
 * Kept as YAML so that it reads like a user's file and goes through the same validation.
 */
export const DEFAULT_CONFIG_YAML = `# Built-in defaults: what \`warden run\` uses without --config.
engine:
  seed: 42
  partitions: 8

accounts:
  - id: demo
    balance: 100000
    currency: USD

instruments:
  - symbol: BTC-USD
    tickSize: 0.01
    lotSize: 0.001
  - symbol: ETH-USD
    tickSize: 0.01
    lotSize: 0.01
  - symbol: ES
    tickSize: 0.25
    lotSize: 1
    multiplier: 50

venues:
  - name: paper
    type: paper

feed:
  type: synthetic
  tickIntervalMs: 250
  symbols:
    - { symbol: BTC-USD, startPrice: 64000, annualVolatility: 0.6 }
    - { symbol: ETH-USD, startPrice: 3200, annualVolatility: 0.75 }
    - { symbol: ES, startPrice: 5000, annualVolatility: 0.2 }

# Account rules for accounts without a preset, and the entry flow's limits (see examples/README.md).
risk:
  rules:
    dailyLoss: { limit: 2000 }
  entry:
    maxBankrollFraction: 0.05   # one entry commits at most 5% of equity
    orderTimeoutSeconds: 5

demo:
  enabled: true
  account: demo
  everySeconds: 10
  maxOpenPositions: 3
  stopPct: 1.0
  targetPct: 2.0

logging:
  level: info
`;

/** The built-in configuration, validated like any file; the environment is not consulted. */
export function defaultConfig(): WardenConfig {
  return parseConfig(DEFAULT_CONFIG_YAML, { source: 'built-in defaults', env: {} });
}
