import { type ChildProcess, spawn } from 'node:child_process';
import { ROOT } from './warden-cli.ts';

/**
 * Starts `warden …args --progress` and kills it with SIGKILL as soon as it reports reading
 * `killAt` input records. Resolves with the signal it ended by (or its exit code, if it finished
 * first) and what it wrote on stderr; rejects if it failed on its own.
 */
export function runAndKill(
  args: readonly string[],
  killAt: number,
): Promise<{ signal: string | null; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['bin/warden.js', ...args, '--progress'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let buffered = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr += text;
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = /^progress (\d+)$/.exec(line);
        if (m !== null && Number(m[1]) >= killAt && child.exitCode === null) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`replay failed (${code}):\n${stderr}`));
      else resolve({ signal, code, stderr });
    });
  });
}
