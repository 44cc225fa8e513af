import type { Command } from 'commander';
import { requestSetState } from '../app/control/client.ts';
import {
  checkSocketFlag,
  DEFAULT_CONTROL_SOCKET,
  MAX_REASON_LENGTH,
  type SetStateResult,
  TRADING_STATES,
  type TradingState,
} from '../app/control/protocol.ts';
import { isWardenError, WardenError } from '../domain/errors.ts';
import { EXIT_BAD_INPUT, formatWardenError } from './errors.ts';

interface StateFlags {
  reason: string;
  socket: string;
}

/**
 * Codes with which the daemon refuses what the operator typed. The operator has to fix the
 * command, so they exit 2 like any bad input, although elsewhere they mean a failure (exit 1).
 */
const REFUSALS = new Set<string>(['WARDEN_UNKNOWN_ACCOUNT']);

/** `warden state <account> <state> --reason TEXT`: an operator sets an account's trading state. */
export function registerState(program: Command): void {
  program
    .command('state')
    .description('Set the trading state of an account on a running daemon: active, reducing or halted')
    .argument('<account>', 'account id, as in the configuration')
    .argument('<state>', 'active, reducing or halted (any case)')
    .requiredOption(
      '-r, --reason <text>',
      `why; recorded with the change (1 to ${MAX_REASON_LENGTH} characters)`,
    )
    .option('--socket <path>', 'the daemon’s control socket', DEFAULT_CONTROL_SOCKET)
    .addHelpText(
      'after',
      `
ACTIVE trades normally; REDUCING accepts only orders that reduce exposure; HALTED accepts no new
orders (cancels and exits still go through). Only the user running the daemon can do this: the
daemon's control socket is open to its owner alone.

Prints "A1: ACTIVE -> HALTED (reason: "…")", or "A1: already HALTED" when nothing changed.

Exit codes: 0 done (also when already in that state), 2 a bad state word, reason or --socket
path, or an account the daemon does not know, 1 no daemon answers on the socket (or it failed).

Examples:
  $ warden state A1 halted --reason "news event at 14:30"
  $ warden state A1 active -r "news passed"
  $ warden state acc-2 REDUCING --reason "margin call" --socket /var/run/warden/desk.sock`,
    )
    .action(async (accountId: string, word: string, flags: StateFlags) => {
      const state = parseState(word);
      const reason = parseReason(flags.reason);
      const socket = checkSocketFlag(flags.socket);
      let result: SetStateResult;
      try {
        result = await requestSetState(socket, { accountId, state, reason });
      } catch (error) {
        if (!isWardenError(error) || !REFUSALS.has(error.code)) throw error;
        process.stderr.write(`${formatWardenError(error)}\n`);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      process.stdout.write(
        result.changed
          ? `${result.accountId}: ${result.previousState} -> ${result.state} (reason: ${JSON.stringify(reason)})\n`
          : `${result.accountId}: already ${result.state}\n`,
      );
    });
}

function parseState(word: string): TradingState {
  const state = TRADING_STATES.find((s) => s === word.trim().toUpperCase());
  if (state === undefined) {
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `unknown trading state "${word}": use active, reducing or halted`,
    );
  }
  return state;
}

function parseReason(text: string): string {
  const reason = text.trim();
  if (reason === '')
    throw new WardenError('WARDEN_CONFIG_INVALID', '--reason must not be empty: say why the state changes');
  if (reason.length > MAX_REASON_LENGTH) {
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `--reason is ${reason.length} characters long; at most ${MAX_REASON_LENGTH}`,
    );
  }
  return reason;
}
