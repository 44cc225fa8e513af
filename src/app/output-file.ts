import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { WardenError } from '../domain/errors.ts';

/**
 * Creates (or empties) an output file named by `--out` and returns a stream writing to it. A file
 * that cannot be created — its directory does not exist, or it is not writable — is
 * `WARDEN_OUTPUT_NOT_WRITABLE`, bad input (exit 2) naming the path, instead of a stream error
 * thrown later with a stack. Directories are never created.
 */
export async function openOutputFile(path: string, flag = '--out'): Promise<Writable> {
  try {
    const handle = await open(path, 'w');
    return handle.createWriteStream();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const why =
      code === 'ENOENT'
        ? `the directory ${dirname(path)} does not exist (create it first: mkdir -p ${dirname(path)})`
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : code;
    throw new WardenError('WARDEN_OUTPUT_NOT_WRITABLE', `${flag} ${path}: cannot create the file: ${why}`, {
      path,
      cause: code,
    });
  }
}
