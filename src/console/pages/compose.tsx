/** @jsxImportSource hono/jsx */
/**
 * Compose: start an issue from the latest content, each item pre-selected and removable, with
 * the editor's introduction in Markdown, subject, preheader and the audience (lists, a segment,
 * topics) with its live count. Saving creates a draft, whose page previews, tests and sends it.
 */
import type { Context, Hono } from 'hono';
import { createCampaign } from '../../campaigns/campaigns.ts';
import { composeContent } from '../../campaigns/compose.ts';
import { createCampaignSchema } from '../../campaigns/schemas.ts';
import type { ComposedItem } from '../../campaigns/views.ts';
import { validate } from '../../http/validate.ts';
import type { AppEnv } from '../../http/context.ts';
import { countAudience } from '../../segments/audience.ts';
import { audienceFromForm, isEmptyAudience } from '../audience-form.ts';
import { AudienceFields, audienceChoices, type AudienceChoices } from '../audience-fields.tsx';
import { formatDateTime, formatNumber } from '../format.ts';
import { field, fields, fieldError, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem, type FormValues } from '../http.ts';
import { Empty, ErrorSummary, Layout, PostForm, type PageContext } from '../layout.tsx';

function itemWhen(item: ComposedItem, timezone: string): string {
  if (item.kind === 'event' && item.starts_at) {
    const zone = item.timezone ?? timezone;
    return `${formatDateTime(item.starts_at, zone)} (${zone})`;
  }
  return formatDateTime(item.published_at ?? item.ingested_at, timezone);
}

interface ComposeData {
  choices: AudienceChoices;
  /** The latest content, offered pre-selected. */
  items: ComposedItem[];
  values: FormValues;
  problem?: FormProblem;
  count?: number;
}

function ComposePage({ page, data }: { page: PageContext; data: ComposeData }) {
  const { values, problem } = data;
  // On the first visit every offered item is checked; after a failed submit, what was checked.
  const chosen = 'subject' in values ? new Set(fields(values, 'items')) : new Set(data.items.map((item) => item.id));
  return (
    <Layout page={page} title="Compose an issue">
      <PostForm page={page} action="/console/compose" id="compose-form">
        <ErrorSummary message={problem?.message} details={problem?.details} />
        <div class="card">
          <label for="compose-subject">Subject</label>
          <input id="compose-subject" name="subject" type="text" required maxlength={300} value={field(values, 'subject')} />
          {fieldError(problem, 'subject') ? <span class="field-error">{fieldError(problem, 'subject')}</span> : null}
          <label for="compose-preheader">
            Preheader <span class="hint">The line mail programs show after the subject.</span>
          </label>
          <input id="compose-preheader" name="preheader" type="text" maxlength={300} value={field(values, 'preheader')} />
          <label for="compose-intro">
            Editor's introduction <span class="hint">Markdown: **bold**, _italic_, [link](https://...), blank line between paragraphs.</span>
          </label>
          <textarea id="compose-intro" name="intro" rows={6}>
            {field(values, 'intro')}
          </textarea>
        </div>

        <fieldset>
          <legend>Content</legend>
          {data.items.length === 0 ? (
            <Empty title="No new content since the last issue">
              <p>
                Add events or publications under <a href="/console/content">Content</a>; the issue can also go out with the introduction only.
              </p>
            </Empty>
          ) : (
            <>
              <p class="hint">Upcoming events and what was published since the last issue. Untick what should stay out.</p>
              <ul class="items plain">
                {data.items.map((item) => (
                  <li>
                    <label class="check">
                      <input type="checkbox" name="items" value={item.id} checked={chosen.has(item.id)} />
                      <span>
                        <strong>{item.title}</strong> <span class="muted">· {item.kind} · {itemWhen(item, page.session.timezone)}</span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            </>
          )}
        </fieldset>

        <AudienceFields choices={data.choices} values={values} count={data.count} problem={problem} />

        <div class="buttons">
          <button type="submit" name="intent" value="save">
            Save draft and preview
          </button>
        </div>
      </PostForm>
    </Layout>
  );
}

async function composeData(c: Context<AppEnv>, extra: Partial<ComposeData> = {}): Promise<ComposeData> {
  const { deps } = c.var;
  const [choices, composed] = await Promise.all([audienceChoices(c), composeContent(deps.db, { series: 'default', now: deps.now() })]);
  return { choices, items: composed.items, values: {}, ...extra };
}

export function registerComposePages(app: Hono<AppEnv>): void {
  app.get('/compose', async (c) => c.html(<ComposePage page={pageContext(c)} data={await composeData(c)} />));

  app.post('/compose', async (c) => {
    const { deps } = c.var;
    const values = await readForm(c);
    const audience = audienceFromForm(values);
    try {
      if (field(values, 'intent') === 'count') {
        const count = isEmptyAudience(audience) ? 0 : await countAudience(deps.db, audience, { now: deps.now() });
        return c.html(<ComposePage page={pageContext(c)} data={await composeData(c, { values, count })} />);
      }
      const input = validate(createCampaignSchema, {
        subject: field(values, 'subject'),
        preheader: field(values, 'preheader'),
        intro: typeof values.intro === 'string' ? values.intro : '',
        ...audience,
        items: fields(values, 'items'),
      });
      const campaign = await createCampaign(deps, input);
      c.set('auditDetails', { campaignId: campaign.id, subject: campaign.subject, items: campaign.items.length });
      return redirectWithNotice(c, `/console/campaigns/${campaign.id}`, 'draft-saved');
    } catch (error) {
      const problem = formProblem(error);
      return c.html(<ComposePage page={pageContext(c)} data={await composeData(c, { values, problem })} />, 422);
    }
  });
}
