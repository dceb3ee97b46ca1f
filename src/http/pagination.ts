/**
 * Paging for collections, which answer `{ items, total, page, pageSize }`.
 */
import { z } from 'zod';

export const pageQuery = {
  page: z.coerce.number().int().min(1, 'expected a page number from 1').default(1),
  pageSize: z.coerce.number().int().min(1).max(500, 'expected a page size up to 500').default(50),
};

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export function offsetOf(page: number, pageSize: number): number {
  return (page - 1) * pageSize;
}
