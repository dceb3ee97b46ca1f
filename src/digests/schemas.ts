/**
 * Request schemas of the digest and schedule routes, shared with their OpenAPI docs.
 */
import { z } from 'zod';
import { ruleSchema } from '../segments/rule.ts';

const slug = z.string().trim().min(1, 'expected a slug').max(200, 'expected a slug of at most 200 characters');
const id = z.union([z.string().regex(/^[0-9]{1,18}$/, 'expected an id'), z.number().int().positive()]).transform(String);

export const digestComposeSchema = z.object({
  eventsWithinDays: z.number().int('expected whole days').min(0, 'expected 0 or more days').max(366, 'expected at most 366 days').optional(),
  maxItemsPerSection: z.number().int('expected a whole number').min(1, 'expected at least 1').max(100, 'expected at most 100').nullable().optional(),
  order: z.enum(['newest', 'oldest'], { message: 'expected "newest" or "oldest"' }).optional(),
  topics: z.array(slug).max(100, 'expected at most 100 topics').optional(),
});

export const digestFields = {
  name: z.string().trim().min(1, 'expected a name').max(200, 'expected a name of at most 200 characters'),
  lists: z.array(slug).max(200, 'expected at most 200 lists').optional(),
  segment: id.optional(),
  rule: ruleSchema.optional(),
  subject: z.string().trim().min(1, 'expected a subject').max(300, 'expected a subject of at most 300 characters'),
  preheader: z.string().max(300, 'expected a preheader of at most 300 characters').optional(),
  intro: z.string().max(20_000, 'expected an introduction of at most 20000 characters').optional(),
  template: z.literal('newsletter', { message: 'expected "newsletter" (the built-in template); use layoutId for an MJML layout' }).optional(),
  layoutId: id.nullable().optional(),
  compose: digestComposeSchema.optional(),
  perSubscriberTopics: z.boolean().optional(),
  skipWhenEmpty: z.boolean().optional(),
  autoSend: z.boolean().optional(),
};

export const createDigestSchema = z.object(digestFields);
export const updateDigestSchema = z
  .object(digestFields)
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'expected at least one field to change');

const scheduleFields = {
  cron: z.string().trim().min(1, 'expected a cron expression such as "0 9 * * 1#1"').max(200),
  timezone: z.string().trim().min(1, 'expected an IANA time zone such as Asia/Seoul').max(100),
  missedFire: z.enum(['catchUp', 'skip'], { message: 'expected "catchUp" or "skip"' }).optional(),
  maxLatenessMinutes: z.number().int('expected whole minutes').min(0, 'expected 0 or more minutes').max(60 * 24 * 31, 'expected at most 44640 minutes (31 days)').optional(),
  enabled: z.boolean().optional(),
};

/**
 * A schedule names an existing digest (`digest`), or carries the digest's own fields (name,
 * subject, audience, compose, ...), which create one alongside it.
 */
export const createScheduleSchema = z
  .object(digestFields)
  .partial()
  .extend({ ...scheduleFields, digest: id.optional() })
  .superRefine((value, ctx) => {
    if (value.digest !== undefined) return;
    if (value.name === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'expected a name (or a digest id in "digest")' });
    if (value.subject === undefined) ctx.addIssue({ code: 'custom', path: ['subject'], message: 'expected a subject (or a digest id in "digest")' });
  });

export const updateScheduleSchema = z
  .object({ ...scheduleFields, name: digestFields.name })
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'expected at least one field to change');
