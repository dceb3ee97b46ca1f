/**
 * Writing jsonb values the same way on both drivers. postgres.js serialises a string parameter
 * that the server types as jsonb a second time (storing a JSON string, not an object), and
 * would send a JS array as a PostgreSQL array; a text parameter cast to jsonb avoids both.
 */
import { sql, type RawBuilder } from 'kysely';

/** A jsonb value for inserts and updates: `values({ details: jsonb({ a: 1 }) })`. */
export function jsonb<T>(value: T): RawBuilder<T> {
  return sql<T>`cast(cast(${JSON.stringify(value)} as text) as jsonb)`;
}
