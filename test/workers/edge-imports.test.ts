/**
 * Builds the Workers bundle as `wrangler deploy --dry-run` does and checks its module graph:
 * no module reachable from `workers/edge.ts` may import a Node-only package or built-in, because
 * the Worker would fail to load (or silently carry PGlite's WebAssembly) at the edge.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Packages that need Node itself (files, processes, native or WebAssembly runtimes). */
const nodeOnlyPackages = [
  '@electric-sql/pglite',
  '@hono/node-server',
  'aws-ses-v2-local',
  'mjml',
  'node-cron',
  'pg-boss',
  'pino-pretty',
  'nodemailer',
];

/** Built-ins that `nodejs_compat` does not provide in a useful form at the edge. */
const nodeOnlyBuiltins = ['fs', 'fs/promises', 'child_process', 'worker_threads', 'cluster', 'readline', 'zlib', 'http', 'https', 'net'];

/**
 * Known offenders, by the module that imports them; this list must only shrink.
 * NOTE: sanitize-html (archive pages, calendar entries) imports postcss, whose source-map loader
 * reads files. It calls postcss only on allowed `style` attributes, and no option set in
 * `src/` allows one, so that code never runs at the edge.
 */
const knownOffenders: Array<{ module: string; imports: string }> = [
  { module: 'node_modules/sanitize-html/index.js', imports: 'postcss' },
];

interface Metafile {
  inputs: Record<string, { imports: Array<{ path: string; external?: boolean; original?: string }> }>;
}

function isNodeOnly(specifier: string): boolean {
  const bare = specifier.replace(/^node:/, '');
  if (nodeOnlyBuiltins.includes(bare)) return true;
  return nodeOnlyPackages.some((name) => specifier === name || specifier.startsWith(`${name}/`) || specifier.includes(`node_modules/${name}/`));
}

describe('workers bundle', () => {
  let folder: string;
  let build: ReturnType<typeof spawnSync>;
  let metafile: Metafile | undefined;

  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'gazette-edge-'));
    build = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--outdir',
        folder,
        '--metafile',
        path.join(folder, 'meta.json'),
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: folder, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
        timeout: 180_000,
      },
    );
    try {
      metafile = JSON.parse(readFileSync(path.join(folder, 'meta.json'), 'utf8')) as Metafile;
    } catch {
      metafile = undefined;
    }
  }, 200_000);

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('builds with wrangler', () => {
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
  });

  it('imports no node-only module', () => {
    const offending: string[] = [];
    const known = (file: string) =>
      knownOffenders.some((offender) => file.includes(`node_modules/${offender.imports}/`));
    for (const [file, input] of Object.entries(metafile?.inputs ?? {})) {
      // wrangler's stand-ins for Node built-ins; whoever imports them is reported instead.
      if (known(file) || file.startsWith('node-built-in-modules:')) continue;
      if (isNodeOnly(file)) offending.push(file);
      for (const imported of input.imports) {
        const specifier = imported.original ?? imported.path;
        const allowed = knownOffenders.some((offender) => offender.module === file && specifier.startsWith(offender.imports));
        if (allowed) continue;
        if (isNodeOnly(specifier) || isNodeOnly(imported.path)) offending.push(`${file} imports ${specifier}`);
      }
    }
    expect([...new Set(offending)]).toEqual([]);
  });

  it('bundles the public app', () => {
    expect(Object.keys(metafile?.inputs ?? {})).toContain('src/public-app.ts');
  });

  it('leaves the staff side out', () => {
    const inputs = Object.keys(metafile?.inputs ?? {});
    for (const module of ['src/app.ts', 'src/console/app.tsx', 'src/digests/cron.ts', 'src/delivery/mime.ts']) {
      expect(inputs, module).not.toContain(module);
    }
  });
});
