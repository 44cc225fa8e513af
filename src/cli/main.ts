import { Command, CommanderError, type Option } from 'commander';
import { registerAudit } from './audit.ts';
import { registerDecisions } from './decisions.ts';
import { EXIT_BAD_INPUT, reportError } from './errors.ts';
import { registerEvents } from './events.ts';
import { registerExplain } from './explain.ts';
import { registerGenerateTicks } from './generate-ticks.ts';
import { registerReplay } from './replay.ts';
import { registerRun } from './run.ts';
import { registerState } from './state.ts';
import { registerStatus } from './status.ts';
import { registerValidateConfig } from './validate-config.ts';

/** Builds the `warden` program; commands live one per file. */
export function buildProgram(): Command {
  const program = new Command('warden')
    .description('Warden: an event-driven position guardian and risk engine')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRun(program);
  registerStatus(program);
  registerState(program);
  registerReplay(program);
  registerEvents(program);
  registerExplain(program);
  registerDecisions(program);
  registerAudit(program);
  registerValidateConfig(program);
  registerGenerateTicks(program);
  checkRequiredAfterUnknown(program);
  return program;
}

/**
 * Commander checks required options before unknown ones, so `replay --confg x` would only say
 * that --config is missing. Every command's required options are checked in a preAction hook
 * instead, which runs once unknown options were refused: a typo is named first, with the option
 * it probably meant (`(Did you mean --config?)`, commander's suggestion after an error).
 */
function checkRequiredAfterUnknown(program: Command): void {
  const required = new Map<Command, Option[]>();
  const visit = (command: Command) => {
    const mandatory = command.options.filter((o) => o.mandatory);
    for (const o of mandatory) o.mandatory = false;
    if (mandatory.length > 0) required.set(command, mandatory);
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
  program.showSuggestionAfterError(true).hook('preAction', (_program, action) => {
    for (const o of required.get(action) ?? []) {
      if (action.getOptionValue(o.attributeName()) === undefined) {
        action.error(`error: required option '${o.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
        });
      }
    }
  });
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; a usage error has already been printed by commander.
      return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    return reportError(error);
  }
}

// A reader that stops early (`warden … | head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw error;
});

process.exitCode = await main(process.argv);
