import type { Command } from 'commander';
import { requestStatus } from '../app/control/client.ts';
import { formatStatus } from '../app/control/format-status.ts';
import { DEFAULT_CONTROL_SOCKET } from '../app/control/protocol.ts';

interface StatusFlags {
  socket: string;
  json?: boolean;
}

/** `warden status [--json]`: the standing of every account of a running daemon. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show each account of a running daemon: trading state, holds, PnL, limits, challenge')
    .option('--socket <path>', 'the daemon’s control socket', DEFAULT_CONTROL_SOCKET)
    .option('--json', 'print the status report as JSON (money as decimal strings, times ISO 8601)')
    .addHelpText(
      'after',
      `
Asks the daemon started by \`warden run\` in this directory (or the one at --socket). Per account:
the trading state and the holds that keep it there, with their reasons and until when; the
preset; balance, equity and daily PnL; open positions and contracts; each limit with its value
and headroom; and the challenge's progress (profit against target, trading days, consistency).

Exit codes: 0 done, 1 no daemon answers on the socket (or it failed).

Examples:
  $ warden status
  $ warden status --socket /var/run/warden/desk.sock
  $ warden status --json | jq '.accounts[] | {accountId, state, dailyPnl}'`,
    )
    .action(async (flags: StatusFlags) => {
      const report = await requestStatus(flags.socket);
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    });
}
