/**
 * The embedded data directory: PGlite's files, generated secrets and the owner lock.
 *
 * PGlite takes no lock of its own, so the server writes `gazette.lock` with its pid and URL.
 * A second owner is refused with a message that says who holds the directory; a lock left by
 * a process that no longer exists is taken over.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomToken } from '../auth/signing.ts';

export interface EmbeddedSecrets {
  adminApiToken: string;
  secretKey: string;
  /** True when the secrets were generated just now (the first start). */
  created: boolean;
}

export interface LockInfo {
  pid: number;
  /** Distinguishes two owners in one process (tests start several servers). */
  owner: string;
  url: string;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `The data directory ${dataDir} is in use by a running Gazette server (pid ${holder.pid}, ${holder.url}). ` +
        `Stop that server first, or run this command while it runs so it goes through the server's API.`,
    );
  }
}

/** Reads the generated secrets from `dataDir`, creating them on the first start. */
export function loadOrCreateSecrets(dataDir: string): EmbeddedSecrets {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Omit<EmbeddedSecrets, 'created'>;
    return { ...stored, created: false };
  }
  const secrets = { adminApiToken: `gz_${randomToken(24)}`, secretKey: randomToken(32) };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return { ...secrets, created: true };
}

/** Returns the live holder of the data directory, or undefined when it is free. */
export function readLock(dataDir: string): LockInfo | undefined {
  const file = lockFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return processExists(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the data directory for this process, or throws `DataDirLockedError`. */
export function acquireLock(dataDir: string, url: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const holder = readLock(dataDir);
  if (holder) throw new DataDirLockedError(dataDir, holder);
  const file = lockFile(dataDir);
  const info: LockInfo = { pid: process.pid, owner: randomToken(8), url, startedAt: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(info));
  return () => {
    const current = readLock(dataDir);
    if (current?.owner === info.owner) rmSync(file, { force: true });
  };
}

function lockFile(dataDir: string): string {
  return path.join(dataDir, 'gazette.lock');
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
