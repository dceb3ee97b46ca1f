/**
 * The subscriber form as the console submits it: plain fields for the name and the attributes
 * the office uses, checkboxes for lists and topics, and any other attribute as `key: value`
 * lines. The result is checked with the JSON API's schemas, so both edges accept the same input.
 */
import type { SubscriptionStatus } from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import { validate } from '../http/validate.ts';
import { subscriberInput, subscriberPatch } from '../subscribers/routes.ts';
import type { CreateSubscriberInput, Subscriber, UpdateSubscriberInput } from '../subscribers/subscribers.ts';
import { field, fields, type FormValues } from './http.ts';

/** Attributes with a field of their own. Every other key goes in the "Other attributes" box. */
export const builtInAttributes = ['country', 'organisation', 'organisationType'] as const;

/** The form's field values, from a stored subscriber or from the posted form. */
export interface SubscriberFormValues {
  email: string;
  name: string;
  status: string;
  country: string;
  organisation: string;
  organisationType: string;
  otherAttributes: string;
  /** List slugs ticked. */
  lists: string[];
  /** Topic slugs ticked. */
  topics: string[];
}

/** Returns true when the person receives the list or is waiting to confirm it, so its box is ticked. */
function isMember(status: SubscriptionStatus | undefined): boolean {
  return status === 'confirmed' || status === 'unconfirmed';
}

function attributeText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function emptySubscriberValues(): SubscriberFormValues {
  return { email: '', name: '', status: 'active', country: '', organisation: '', organisationType: '', otherAttributes: '', lists: [], topics: [] };
}

export function subscriberValues(subscriber: Subscriber): SubscriberFormValues {
  const attributes = subscriber.attributes;
  const other = Object.entries(attributes)
    .filter(([key]) => !(builtInAttributes as readonly string[]).includes(key))
    .map(([key, value]) => `${key}: ${attributeText(value)}`);
  return {
    email: subscriber.displayEmail,
    name: subscriber.name,
    status: subscriber.status,
    country: attributeText(attributes.country ?? ''),
    organisation: attributeText(attributes.organisation ?? ''),
    organisationType: attributeText(attributes.organisationType ?? ''),
    otherAttributes: other.join('\n'),
    lists: subscriber.subscriptions.filter((s) => isMember(s.status)).map((s) => s.list),
    topics: subscriber.topics,
  };
}

export function subscriberValuesFromForm(form: FormValues): SubscriberFormValues {
  const other = form.otherAttributes;
  return {
    email: field(form, 'email'),
    name: field(form, 'name'),
    status: field(form, 'status') || 'active',
    country: field(form, 'country'),
    organisation: field(form, 'organisation'),
    organisationType: field(form, 'organisationType'),
    otherAttributes: (Array.isArray(other) ? other[0] : other) ?? '',
    lists: fields(form, 'lists'),
    topics: fields(form, 'topics'),
  };
}

/**
 * Reads the "Other attributes" box: one `key: value` per line, blank lines skipped. A value
 * shown as JSON (a number or a list from an import) keeps its stored type when left unchanged.
 */
function parseOtherAttributes(text: string, stored: Record<string, unknown>): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const colon = line.indexOf(':');
    const key = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!key) {
      const message = `line ${index + 1}, "${line}", is not "key: value"`;
      throw new ValidationError(`Other attributes: ${message}. Write one attribute per line, such as "language: fr".`, [{ path: 'otherAttributes', message }]);
    }
    if ((builtInAttributes as readonly string[]).includes(key)) {
      const message = `"${key}" has a field of its own`;
      throw new ValidationError(`Other attributes: ${message}. Fill it in above and remove line ${index + 1}.`, [{ path: 'otherAttributes', message }]);
    }
    const value = line.slice(colon + 1).trim();
    attributes[key] = key in stored && attributeText(stored[key]) === value ? stored[key] : value;
  });
  return attributes;
}

/** Collects the attributes the form sets. Empty built-in fields are left out. */
function formAttributes(values: SubscriberFormValues, stored: Record<string, unknown>): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const key of builtInAttributes) {
    if (values[key]) attributes[key] = values[key];
  }
  return { ...attributes, ...parseOtherAttributes(values.otherAttributes, stored) };
}

/** Builds and checks the input of `createSubscriber`. Every ticked list is confirmed at once. */
export function createInputFromForm(values: SubscriberFormValues): CreateSubscriberInput {
  return validate(
    subscriberInput,
    {
      email: values.email,
      name: values.name,
      lists: values.lists,
      topics: values.topics,
      attributes: formAttributes(values, {}),
      status: values.status,
    },
    'The subscriber',
  );
}

/**
 * Builds and checks the input of `updateSubscriber` from the form and the stored subscriber.
 * Attributes emptied or removed are deleted. A newly ticked list is confirmed and an unticked
 * one is unsubscribed. Lists left as they were are not touched, so their dates stay.
 */
export function updateInputFromForm(values: SubscriberFormValues, current: Subscriber): UpdateSubscriberInput {
  const wanted = formAttributes(values, current.attributes);
  const attributes: Record<string, unknown> = { ...wanted };
  for (const key of Object.keys(current.attributes)) {
    if (!(key in wanted)) attributes[key] = null;
  }

  const statusOf = new Map(current.subscriptions.map((s) => [s.list, s.status]));
  const ticked = new Set(values.lists);
  const subscriptions: { list: string; status: SubscriptionStatus }[] = [];
  for (const list of ticked) {
    if (!isMember(statusOf.get(list))) subscriptions.push({ list, status: 'confirmed' });
  }
  for (const [list, status] of statusOf) {
    if (isMember(status) && !ticked.has(list)) subscriptions.push({ list, status: 'unsubscribed' });
  }

  return validate(
    subscriberPatch,
    { name: values.name, status: values.status, attributes, subscriptions, topics: values.topics },
    'The subscriber',
  );
}
