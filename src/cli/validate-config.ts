import type { Command } from 'commander';
import { loadConfig } from '../app/config/load.ts';

export function registerValidateConfig(program: Command): void {
  program
    .command('validate-config')
    .description('Check a configuration file and list every problem with its path')
    .argument('<file>', 'YAML configuration file')
    .addHelpText(
      'after',
      `
Exit codes: 0 valid, 2 invalid (every problem is listed).

Examples:
  $ warden validate-config examples/basic.yaml
  $ warden validate-config my-desk.yaml && warden run --config my-desk.yaml`,
    )
    .action(async (file: string) => {
      const config = await loadConfig(file, { onWarning: (w) => process.stderr.write(`${w}\n`) });
      const positions = config.positions?.length ?? 0;
      process.stdout.write(
        `${file}: valid (${config.accounts.length} account(s), ${config.instruments.length} instrument(s), ${positions} position(s))\n`,
      );
    });
}
