/**
 * Staff MJML layouts: an alternative frame for an issue, into which the composed sections are
 * placed through `{{gazette:<section>}}` placeholders. A layout is validated and compiled to
 * HTML when it is saved, so a broken one is rejected with line numbers instead of failing a
 * send later.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, LayoutRow } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { layoutPlaceholder, layoutPlaceholders } from './render.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * MJML reads its configuration from disk, so it is loaded on first use from a specifier the
 * Workers bundler does not follow: layouts are compiled on Node only.
 */
async function loadMjml(): Promise<typeof import('mjml')> {
  const specifier = 'mjml';
  return ((await import(specifier)) as { default: typeof import('mjml') }).default;
}

export interface LayoutInput {
  name: string;
  mjml: string;
}

export interface LayoutJson {
  id: string;
  name: string;
  mjml: string;
  /** Section placeholders the layout uses, in the order they first appear. */
  placeholders: string[];
  createdAt: string;
  updatedAt: string;
}

interface MjmlIssue {
  line: number;
  message: string;
  tagName: string;
}

/**
 * Compiles MJML to HTML, keeping the placeholders, or throws a `ValidationError` whose details
 * give the line of each problem: MJML validation errors, unknown placeholders, placeholders
 * MJML dropped because they sit outside a content tag, and a missing footer placeholder.
 */
export async function compileLayout(source: string): Promise<string> {
  let result: { html: string; errors: MjmlIssue[] };
  try {
    // `ignoreIncludes`: an `mj-include` would read files from the server's disk.
    const mjml2html = await loadMjml();
    result = (await mjml2html(source, { validationLevel: 'soft', ignoreIncludes: true, keepComments: false })) as {
      html: string;
      errors: MjmlIssue[];
    };
  } catch (error) {
    throw new ValidationError(`The MJML could not be parsed: ${(error as Error).message}`, [
      { path: 'mjml', message: 'expected an MJML document starting with <mjml> and containing <mj-body>' },
    ]);
  }

  const issues: FieldIssue[] = result.errors
    .sort((a, b) => a.line - b.line)
    .map((issue) => ({ path: 'mjml', message: `line ${issue.line}: ${issue.message}` }));

  for (const found of source.matchAll(/\{\{gazette:([^}]*)\}\}/g)) {
    const line = lineOf(source, found.index);
    const name = found[1]!;
    if (!(layoutPlaceholders as readonly string[]).includes(name)) {
      issues.push({
        path: 'mjml',
        message: `line ${line}: unknown placeholder {{gazette:${name}}}; expected one of ${layoutPlaceholders.map(layoutPlaceholder).join(', ')}`,
      });
    } else if (!result.html.includes(found[0])) {
      issues.push({
        path: 'mjml',
        message: `line ${line}: {{gazette:${name}}} is outside a content tag, so MJML drops it; put it inside mj-text or mj-raw`,
      });
    }
  }
  if (!source.includes(layoutPlaceholder('footer'))) {
    issues.push({
      path: 'mjml',
      message: `missing ${layoutPlaceholder('footer')}: the footer carries the postal address and the unsubscribe link every issue needs`,
    });
  }
  if (!/<mj-body[\s>]/.test(source)) {
    issues.push({ path: 'mjml', message: 'missing <mj-body>: the layout has no body to place the sections in' });
  }

  if (issues.length > 0) {
    throw new ValidationError(`The MJML layout is invalid: ${issues[0]!.message}`, issues);
  }
  return result.html;
}

/** Validates, compiles and stores a layout. */
export async function createLayout(db: Executor, input: LayoutInput): Promise<LayoutJson> {
  const html = await compileLayout(input.mjml);
  const row = await db
    .insertInto('layouts')
    .values({ name: input.name, mjml: input.mjml, html })
    .returningAll()
    .executeTakeFirstOrThrow();
  return layoutJson(row);
}

/** Lists layouts, newest first, without their compiled HTML. */
export async function listLayouts(db: Executor, page: number, pageSize: number): Promise<Page<LayoutJson>> {
  const [rows, total] = await Promise.all([
    db.selectFrom('layouts').selectAll().orderBy('id', 'desc').limit(pageSize).offset(offsetOf(page, pageSize)).execute(),
    db.selectFrom('layouts').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(layoutJson), total: Number(total.count), page, pageSize };
}

export async function getLayout(db: Executor, id: string): Promise<LayoutJson> {
  return layoutJson(await findLayout(db, id));
}

/**
 * Changes a layout; new MJML is validated and compiled first. Drafts that use the layout keep
 * their stored render until they are edited again.
 */
export async function updateLayout(db: Executor, id: string, changes: Partial<LayoutInput>, now: Date): Promise<LayoutJson> {
  const existing = await findLayout(db, id);
  const html = changes.mjml === undefined ? existing.html : await compileLayout(changes.mjml);
  const row = await db
    .updateTable('layouts')
    .set({ name: changes.name ?? existing.name, mjml: changes.mjml ?? existing.mjml, html, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return layoutJson(row);
}

/** Deletes a layout unless a campaign that has not gone out yet still uses it. */
export async function deleteLayout(db: Executor, id: string): Promise<void> {
  await findLayout(db, id);
  const inUse = await db
    .selectFrom('campaigns')
    .select('id')
    .where('layout_id', '=', id)
    .where('status', 'in', ['draft', 'scheduled', 'sending', 'paused'])
    .executeTakeFirst();
  if (inUse) {
    throw new ConflictError(`Layout ${id} is used by campaign ${inUse.id}, which has not finished; change that campaign's layout first.`);
  }
  await db.deleteFrom('layouts').where('id', '=', id).execute();
}

async function findLayout(db: Executor, id: string): Promise<LayoutRow> {
  const row = /^\d{1,18}$/.test(id) ? await db.selectFrom('layouts').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No layout with id ${id}.`);
  return row;
}

function layoutJson(row: LayoutRow): LayoutJson {
  const placeholders = [...row.mjml.matchAll(/\{\{gazette:([a-z]+)\}\}/g)].map((found) => found[1]!);
  return {
    id: row.id,
    name: row.name,
    mjml: row.mjml,
    placeholders: [...new Set(placeholders)],
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index++) if (source.charCodeAt(index) === 10) line++;
  return line;
}
