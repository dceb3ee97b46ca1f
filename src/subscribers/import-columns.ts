/**
 * Reading one CSV row of a subscriber import: which column holds what, for the layouts staff
 * bring (Mailchimp audience exports, listmonk's import format, plain `email,name` files), and
 * custom columns kept as attributes.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { normaliseAddress } from './address.ts';
import { organisationTypes, type OrganisationType } from './subscribers.ts';

/** What a row asks for: a subscriber, one who unsubscribed, or an address that bounced. */
export type RowState = 'subscribed' | 'unsubscribed' | 'cleaned';

export interface ImportRow {
  /** Line of the file where the row starts (1 is the header). */
  line: number;
  email: string;
  name: string;
  attributes: Record<string, unknown>;
  /** Topic slugs. */
  topics: string[];
  state: RowState;
  /** When the source says the person unsubscribed or the address was cleaned. */
  changedAt?: string;
}

export interface RowProblem {
  line: number;
  email: string;
  reason: string;
}

type Field =
  | { kind: 'email' }
  | { kind: 'name' }
  | { kind: 'firstName' }
  | { kind: 'lastName' }
  | { kind: 'country' }
  | { kind: 'organisation' }
  | { kind: 'organisationType' }
  | { kind: 'topics' }
  | { kind: 'attributesJson' }
  | { kind: 'tags' }
  | { kind: 'unsubscribedAt' }
  | { kind: 'cleanedAt' }
  | { kind: 'ignored' }
  | { kind: 'attribute'; key: string };

export interface ColumnMap {
  fields: Field[];
  /** The header as written, for messages. */
  header: string[];
}

// Header names are compared lower-cased with spaces, hyphens and underscores removed.
const known: Record<string, Field> = {
  email: { kind: 'email' },
  emailaddress: { kind: 'email' },
  mail: { kind: 'email' },
  name: { kind: 'name' },
  fullname: { kind: 'name' },
  firstname: { kind: 'firstName' },
  fname: { kind: 'firstName' },
  lastname: { kind: 'lastName' },
  lname: { kind: 'lastName' },
  country: { kind: 'country' },
  organisation: { kind: 'organisation' },
  organization: { kind: 'organisation' },
  company: { kind: 'organisation' },
  organisationtype: { kind: 'organisationType' },
  organizationtype: { kind: 'organisationType' },
  topics: { kind: 'topics' },
  interests: { kind: 'topics' },
  // listmonk: a JSON object of attributes.
  attributes: { kind: 'attributesJson' },
  attribs: { kind: 'attributesJson' },
  // Mailchimp: tags are a CSV list inside one field ("A","B, C").
  tags: { kind: 'tags' },
  unsubtime: { kind: 'unsubscribedAt' },
  cleantime: { kind: 'cleanedAt' },
};

// Mailchimp's bookkeeping columns: they describe Mailchimp's records, not the person.
const mailchimpSystem = new Set([
  'memberrating',
  'optintime',
  'optinip',
  'confirmtime',
  'confirmip',
  'latitude',
  'longitude',
  'gmtoff',
  'dstoff',
  'timezone',
  'cc',
  'region',
  'lastchanged',
  'leid',
  'euid',
  'notes',
  'unsubcampaigntitle',
  'unsubcampaignid',
  'unsubreason',
  'unsubreasonother',
  'cleancampaigntitle',
  'cleancampaignid',
]);

function headerKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

/** Turns a custom header ("ZIP Code", "job_title") into a camelCase attribute key. */
function attributeKey(name: string): string {
  const words = name
    .trim()
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
  if (words.length === 0) return '';
  return words[0]! + words.slice(1).map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

/**
 * Maps a header row to fields. Returns a problem message when no column holds the address or
 * two columns claim the same field.
 */
export function mapColumns(header: string[]): ColumnMap | { problem: string } {
  const fields: Field[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    const key = headerKey(name);
    const field: Field = known[key] ?? (mailchimpSystem.has(key) ? { kind: 'ignored' } : { kind: 'attribute', key: attributeKey(name) });
    if (field.kind === 'attribute' && field.key === '') {
      fields.push({ kind: 'ignored' });
      continue;
    }
    const identity = field.kind === 'attribute' ? `attribute:${field.key}` : field.kind;
    if (field.kind !== 'ignored' && seen.has(identity)) {
      return { problem: `The header has two columns for the same field: "${name}". Rename or remove one of them.` };
    }
    seen.add(identity);
    fields.push(field);
  }
  if (!seen.has('email')) {
    return {
      problem: `The header has no email column (found: ${header.map((name) => `"${name}"`).join(', ')}). Name the column "email" or "Email Address".`,
    };
  }
  return { fields, header };
}

/** Turns "Open data" or "open-data" into the slug "open-data"; empty when nothing is left. */
export function topicSlug(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

/** Reads one data row, or says why it cannot be imported. */
export function readRow(map: ColumnMap, values: string[], line: number): ImportRow | RowProblem {
  const rawEmail = values[map.fields.findIndex((field) => field.kind === 'email')] ?? '';
  const problem = (reason: string): RowProblem => ({ line, email: rawEmail.trim().slice(0, 254), reason });

  if (values.length !== map.fields.length) {
    return problem(`expected ${map.fields.length} fields as in the header, found ${values.length}`);
  }
  const address = normaliseAddress(rawEmail);
  if (!address.ok) return problem(`invalid email address: ${address.message}`);

  let name = '';
  let first = '';
  let last = '';
  const attributes: Record<string, unknown> = {};
  const topics: string[] = [];
  let state: RowState = 'subscribed';
  let changedAt: string | undefined;

  for (let index = 0; index < map.fields.length; index++) {
    const field = map.fields[index]!;
    const value = (values[index] ?? '').trim();
    if (value === '') continue;
    switch (field.kind) {
      case 'name':
        name = value;
        break;
      case 'firstName':
        first = value;
        break;
      case 'lastName':
        last = value;
        break;
      case 'country':
        attributes.country = value;
        break;
      case 'organisation':
        attributes.organisation = value;
        break;
      case 'organisationType': {
        const type = value.toLowerCase().replace(/[\s-]+/g, '_');
        if (!organisationTypes.includes(type as OrganisationType)) {
          return problem(`invalid organisation type "${value}": expected one of ${organisationTypes.join(', ')}`);
        }
        attributes.organisationType = type;
        break;
      }
      case 'topics':
        for (const part of value.split(/[;,|]/)) {
          const slug = topicSlug(part);
          if (slug && !topics.includes(slug)) topics.push(slug);
        }
        break;
      case 'attributesJson': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          return problem('the attributes column is not valid JSON');
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          return problem('the attributes column must hold a JSON object such as {"city": "Lima"}');
        }
        Object.assign(attributes, parsed);
        break;
      }
      case 'tags':
        attributes.tags = readTags(value);
        break;
      case 'unsubscribedAt':
        state = state === 'cleaned' ? state : 'unsubscribed';
        changedAt = toIsoTime(value) ?? changedAt;
        break;
      case 'cleanedAt':
        state = 'cleaned';
        changedAt = toIsoTime(value) ?? changedAt;
        break;
      case 'attribute':
        attributes[field.key] = value;
        break;
      case 'ignored':
      case 'email':
        break;
    }
  }
  if (!name) name = [first, last].filter(Boolean).join(' ');
  if (name.length > 200) return problem('the name is longer than 200 characters');
  return { line, email: address.email, name, attributes, topics, state, ...(changedAt ? { changedAt } : {}) };
}

/**
 * Reads a time as Mailchimp writes it ("2018-07-23 12:19:27", in UTC) or any ISO 8601 time;
 * returns undefined when it cannot be read, and the import then uses the current time.
 */
function toIsoTime(value: string): string | undefined {
  const plain = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const time = Date.parse(plain);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** Mailchimp writes tags as a CSV list in one field: `"Editors","VIP, Early"`. */
function readTags(value: string): string[] {
  try {
    const [record] = parseCsv(value, { relax_quotes: true }) as string[][];
    return (record ?? []).map((tag) => tag.trim()).filter(Boolean);
  } catch {
    return [value];
  }
}

export function isProblem(row: ImportRow | RowProblem): row is RowProblem {
  return 'reason' in row;
}
