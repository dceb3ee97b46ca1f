/** @jsxImportSource hono/jsx */
/**
 * The audience part of the compose, campaign and schedule forms: lists, a saved segment and
 * topics as checkboxes and a select, with the live recipient count the page script refreshes.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { listSegments, type Segment } from '../segments/segments.ts';
import { formatNumber } from './format.ts';
import { field, fields, fieldError, type FormProblem, type FormValues } from './http.ts';

/** Lists, topics and saved segments an audience can be picked from. */
export interface AudienceChoices {
  lists: Array<{ slug: string; name: string }>;
  topics: Array<{ slug: string; name: string }>;
  segments: Segment[];
}

export async function audienceChoices(c: Context<AppEnv>): Promise<AudienceChoices> {
  const { db } = c.var.deps;
  const [lists, topics, segments] = await Promise.all([
    db.selectFrom('lists').select(['slug', 'name']).orderBy('name').execute(),
    db.selectFrom('topics').select(['slug', 'name']).orderBy('name').execute(),
    listSegments(db, 1, 200),
  ]);
  return { lists, topics, segments: segments.items };
}

/** Renders the audience fieldset: lists, a segment and topics, with the live recipient count. */
export function AudienceFields(props: { choices: AudienceChoices; values: FormValues; count?: number; problem?: FormProblem }) {
  const { choices, values } = props;
  const chosenLists = new Set(fields(values, 'lists'));
  const chosenTopics = new Set(fields(values, 'topics'));
  const segment = field(values, 'segment');
  const error = fieldError(props.problem, 'lists');
  return (
    <fieldset>
      <legend>Audience</legend>
      {error ? <span class="field-error">{error}</span> : null}
      {choices.lists.length === 0 ? (
        <p class="warning">
          There are no lists yet. Create one under <a href="/console/lists">Lists and topics</a> first.
        </p>
      ) : (
        <>
          <p class="hint">Subscribers confirmed on any of these lists:</p>
          {choices.lists.map((list) => (
            <label class="check">
              <input type="checkbox" name="lists" value={list.slug} checked={chosenLists.has(list.slug)} /> {list.name} <span class="muted">({list.slug})</span>
            </label>
          ))}
        </>
      )}
      <label for="audience-segment">Only those in segment (optional)</label>
      <select id="audience-segment" name="segment">
        <option value="">(no segment)</option>
        {choices.segments.map((s) => (
          <option value={s.id} selected={segment === s.id}>
            {s.name}
          </option>
        ))}
      </select>
      {choices.topics.length > 0 ? (
        <>
          <p class="hint">Only those following one of these topics (optional):</p>
          {choices.topics.map((topic) => (
            <label class="check">
              <input type="checkbox" name="topics" value={topic.slug} checked={chosenTopics.has(topic.slug)} /> {topic.name}
            </label>
          ))}
        </>
      ) : null}
      <p class="count" aria-live="polite">
        Recipients now:{' '}
        <strong class="count-live" data-count-url="/console/segments/count" id="audience-count">
          {props.count === undefined ? 'choose an audience' : formatNumber(props.count)}
        </strong>{' '}
        <span class="hint">Suppressed, unconfirmed and unsubscribed addresses are not counted and not mailed.</span>
      </p>
      <button type="submit" name="intent" value="count" class="secondary">
        Count recipients
      </button>
    </fieldset>
  );
}
