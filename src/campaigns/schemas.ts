/**
 * Request schemas shared by the campaign and schedule routes (and their OpenAPI docs).
 */
import { z } from 'zod';

export const slugSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a list slug (lower-case letters, digits, dots, dashes)');

export const idSchema = z.string().regex(/^\d+$/, 'expected an id');

export const audienceFields = {
  lists: z.array(slugSchema).max(100).optional(),
  segment: idSchema.optional(),
  rule: z.unknown().optional(),
};

export const composeSchema = z.object({
  since: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time such as 2027-01-01T00:00:00Z' }).optional(),
  eventsWithinDays: z.number().int().min(0).max(3660).optional(),
});

const subject = z.string().trim().min(1, 'expected a subject').max(300);

export const createCampaignSchema = z.object({
  subject,
  preheader: z.string().max(300).optional(),
  intro: z.string().max(50_000).optional(),
  ...audienceFields,
  compose: composeSchema.optional(),
  items: z.array(idSchema).max(500).optional(),
  layoutId: idSchema.nullable().optional(),
});

export const updateCampaignSchema = createCampaignSchema.partial().refine((value) => Object.keys(value).length > 0, {
  message: 'expected at least one field to change',
});

export const digestComposeSchema = z.object({
  eventsWithinDays: z.number().int().min(0).max(3660).default(60),
  maxItemsPerSection: z.number().int().min(1).max(100).default(10),
  order: z.enum(['newest', 'oldest']).default('newest'),
  topics: z.array(slugSchema).max(100).default([]),
});
