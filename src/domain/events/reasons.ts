/** Why a position closed (DESIGN.md "Events"). */
export const CLOSE_REASONS = [
  'STOP_LOSS',
  'TAKE_PROFIT',
  'TRAILING_STOP',
  'CIRCUIT_BREAKER',
  'RISK_RULE',
  'AGENT',
  'EXIT_CONDITION',
  'SESSION_END',
  'MANUAL',
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Reason codes of `Risk.Order.Denied.v1`: a closed union, extended only here. */
export const DENIED_REASONS = [
  'TRADING_HALTED',
  'TRADING_REDUCING',
  'FLIP_THROUGH_FLAT',
  'MAX_POSITIONS',
  'MAX_CONTRACTS',
  'EXPOSURE_MARKET',
  'EXPOSURE_TOTAL',
  'DAILY_LOSS_HEADROOM',
  'CORRELATION',
  'ORDER_RATE',
  'EDGE_TOO_SMALL',
  'EDGE_INVALID',
  'SIZE_TOO_SMALL',
  'SESSION_CLOSED',
  'SYMBOL_BLOCKED',
  'COOLDOWN',
  'CIRCUIT_OPEN',
] as const;
export type DeniedReason = (typeof DENIED_REASONS)[number];
