/**
 * Locates the shared fixtures written outside this project (real feeds, SES notifications,
 * subscriber exports, address cases). They sit in `shared/fixtures` beside the checkout or
 * one of its parent folders; a fresh clone without them skips the tests that need them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

function findSharedFixtures(): string | undefined {
  const fromEnvironment = process.env.GAZETTE_SHARED_FIXTURES;
  if (fromEnvironment && existsSync(fromEnvironment)) return fromEnvironment;
  let folder = path.resolve(repositoryRoot);
  for (;;) {
    const parent = path.dirname(folder);
    const candidate = path.join(parent, 'shared', 'fixtures');
    if (existsSync(candidate)) return candidate;
    if (parent === folder) return undefined;
    folder = parent;
  }
}

/** The shared fixtures folder, or undefined when this checkout has none beside it. */
export const sharedFixturesDir = findSharedFixtures();

/** Why shared-fixture tests are skipped, for the skip message. */
export const sharedFixturesMissing =
  'shared fixtures not found: put the shared/fixtures folder beside this checkout (or set GAZETTE_SHARED_FIXTURES)';

/** Returns the absolute path of a shared fixture, e.g. `sharedFixture('feeds', 'guardian.rss')`. */
export function sharedFixture(...parts: string[]): string {
  if (!sharedFixturesDir) throw new Error(sharedFixturesMissing);
  return path.join(sharedFixturesDir, ...parts);
}

/** Reads a shared fixture as bytes. */
export function readSharedFixture(...parts: string[]): Buffer {
  return readFileSync(sharedFixture(...parts));
}

/** The project's own fixtures under `test/fixtures/`. */
export function projectFixture(...parts: string[]): string {
  return path.join(repositoryRoot, 'test', 'fixtures', ...parts);
}
