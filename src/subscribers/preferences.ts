/**
 * The preference centre's reads and writes: a subscriber changes their own name, attributes,
 * public lists and topics. Private lists are never shown or changed here.
 */
import type { Deps } from '../deps.ts';
import type { OptIn } from '../db/schema.ts';
import { listTopics, resolveLists, resolveTopics, type Topic } from '../lists/lists.ts';
import { recordConsent } from './consent.ts';
import { getSubscriber, setSubscriptionStatuses, setTopics, type ConsentContext, type OrganisationType, type Subscriber } from './subscribers.ts';

export interface PreferencesView {
  subscriber: Subscriber;
  /** Public lists, each with whether the subscriber receives it (confirmed or awaiting confirmation). */
  lists: { slug: string; name: string; description: string; optIn: OptIn; subscribed: boolean }[];
  topics: (Topic & { chosen: boolean })[];
}

/** Reads what the preference centre shows; changes nothing. */
export async function readPreferences(deps: Deps, subscriberId: string): Promise<PreferencesView> {
  const subscriber = await getSubscriber(deps.db, subscriberId);
  const lists = await deps.db.selectFrom('lists').selectAll().where('visibility', '=', 'public').orderBy('name').execute();
  const active = new Set(subscriber.subscriptions.filter((s) => s.status !== 'unsubscribed').map((s) => s.list));
  const chosen = new Set(subscriber.topics);
  return {
    subscriber,
    lists: lists.map((list) => ({
      slug: list.slug,
      name: list.name,
      description: list.description,
      optIn: list.opt_in,
      subscribed: active.has(list.slug),
    })),
    topics: (await listTopics(deps.db)).map((topic) => ({ ...topic, chosen: chosen.has(topic.slug) })),
  };
}

export interface PreferencesInput {
  name: string;
  country?: string;
  organisation?: string;
  organisationType?: OrganisationType | '';
  /** An IANA time zone, or '' for none. */
  timeZone?: string;
  /** Public list slugs the subscriber wants; every other public list is left. */
  lists: string[];
  topics: string[];
}

/**
 * Saves the preference form. A public list ticked here is confirmed at once, because the page
 * is reached through a link mailed to the subscriber. Returns the slugs joined and left.
 */
export async function savePreferences(
  deps: Deps,
  subscriberId: string,
  input: PreferencesInput,
  context: ConsentContext,
): Promise<{ joined: string[]; left: string[] }> {
  const wanted = await resolveLists(deps.db, input.lists, { publicOnly: true });
  await resolveTopics(deps.db, input.topics);
  const now = deps.now();
  return deps.db.transaction().execute(async (tx) => {
    const current = await getSubscriber(tx, subscriberId);
    const publicLists = await tx.selectFrom('lists').select(['id', 'slug']).where('visibility', '=', 'public').execute();
    const wantedSlugs = new Set(wanted.map((list) => list.slug));
    const statusOf = new Map(current.subscriptions.map((s) => [s.list, s.status]));
    const joined = publicLists.filter((list) => wantedSlugs.has(list.slug) && statusOf.get(list.slug) !== 'confirmed');
    const left = publicLists.filter(
      (list) => !wantedSlugs.has(list.slug) && statusOf.has(list.slug) && statusOf.get(list.slug) !== 'unsubscribed',
    );
    await setSubscriptionStatuses(
      tx,
      subscriberId,
      [
        ...joined.map((list) => ({ listId: list.id, status: 'confirmed' as const })),
        ...left.map((list) => ({ listId: list.id, status: 'unsubscribed' as const })),
      ],
      now,
    );
    await setTopics(tx, subscriberId, input.topics);

    const attributes: Record<string, unknown> = { ...current.attributes };
    for (const key of ['country', 'organisation', 'organisationType', 'timeZone'] as const) {
      const value = input[key]?.trim();
      if (value) attributes[key] = value;
      else delete attributes[key];
    }
    await tx
      .updateTable('subscribers')
      .set({ name: input.name.trim(), attributes, updated_at: now })
      .where('id', '=', subscriberId)
      .execute();

    const base = { subscriberId, source: context.source, ip: context.ip, userAgent: context.userAgent, at: now };
    await recordConsent(tx, [
      { ...base, action: 'preferences_changed', details: { topics: input.topics } },
      ...(joined.length > 0 ? [{ ...base, action: 'subscribed' as const, lists: joined.map((l) => l.slug) }] : []),
      ...(left.length > 0 ? [{ ...base, action: 'unsubscribed' as const, lists: left.map((l) => l.slug) }] : []),
    ]);
    return { joined: joined.map((l) => l.slug), left: left.map((l) => l.slug) };
  });
}
