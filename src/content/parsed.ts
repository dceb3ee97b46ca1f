/**
 * What every parser returns: the document's own details and its entries, each a draft or the
 * reason it could not be read.
 */
import type { EntryDraft } from './entry.ts';

export type DocumentFormat = 'rss' | 'atom' | 'rdf' | 'json' | 'ics' | 'csv';

export interface ParsedEntry {
  /** Position in the document, from 1 (for CSV, the line number). */
  position: number;
  draft?: EntryDraft;
  error?: string;
}

export interface ParsedDocument {
  format: DocumentFormat;
  title?: string;
  /** The feed's own publication or update date. */
  publishedAt?: Date;
  language?: string;
  entries: ParsedEntry[];
}
