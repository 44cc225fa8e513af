import type { Command } from 'commander';
import { requestStatus } from '../app/control/client.ts';
import { ACCOUNT_SECTIONS, formatStatus } from '../app/control/format-status.ts';
import { checkSocketFlag, DEFAULT_CONTROL_SOCKET } from '../app/control/protocol.ts';
import { closedTradesSection } from '../app/control/status-trades.ts';

interface StatusFlags {
  socket: string;
  json?: boolean;
}

/** `warden status [--json]`: the standing of every account of a running daemon. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'Show each account of a running daemon: trading state, holds, PnL, open positions, limits, challenge',
    )
    .option('--socket <path>', 'the daemon’s control socket', DEFAULT_CONTROL_SOCKET)
    .option('--json', 'print the status report as JSON (money as decimal strings, times ISO 8601)')
    .addHelpText(
      'after',
      `
Asks the daemon started by \`warden run\` in this directory (or the one at --socket). Per account:
the trading state and the holds that keep it there, with their reasons, since when and until
when; the preset; balance, equity and daily PnL; each open position with its quantity, entry,
last price, unrealized PnL, stop and target; each limit with its value and headroom; and the
challenge's progress (profit against target, trading days, consistency); the closed trades
(entry, exit, reason, PnL, fees, held time; totals and the latest 20). With --json, money,
prices and quantities are decimal strings ("1.638"), as in events.

Exit codes: 0 done, 2 bad input (a --socket path that cannot name a socket: empty, too long),
1 no daemon answers on the socket (or it failed).

Examples:
  $ warden status
  $ warden status --socket /var/run/warden/desk.sock
  $ warden status --json | jq '.accounts[] | {accountId, state, dailyPnl}'
  $ warden status --json | jq -r '.accounts[].positions[] | [.symbol, .price, .unrealizedPnl] | @tsv'`,
    )
    .action(async (flags: StatusFlags) => {
      const report = await requestStatus(checkSocketFlag(flags.socket));
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : formatStatus(report, [...ACCOUNT_SECTIONS, closedTradesSection]),
      );
    });
}
