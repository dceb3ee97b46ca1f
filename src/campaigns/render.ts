/**
 * Renders an issue once: through the React Email newsletter, or through a staff MJML layout
 * whose placeholders receive the same sections. The output keeps the merge-field placeholders,
 * so every recipient's copy is this text with their values filled in.
 */
import { render, toPlainText } from '@react-email/render';
import { createElement } from 'react';
import { EventsSection, IntroSection, NewsSection, PublicationsSection } from '../../emails/components/sections.tsx';
import { Footer } from '../../emails/components/footer.tsx';
import { renderNewsletter } from '../../emails/newsletter.tsx';
import type { Config } from '../config.ts';
import { escapeHtml, mergeFields } from './merge-fields.ts';
import { introHtml, sectionViews, type ComposedItem } from './views.ts';

/** Gmail clips messages whose HTML is larger than about 102 KB. */
export const gmailClipBytes = 100 * 1024;

export interface RenderInput {
  subject: string;
  preheader: string;
  intro: string;
  items: ComposedItem[];
  /** Why the reader receives it. */
  reason: string;
  /** The issue's public archive page, linked as "View in browser". */
  webVersionUrl: string;
  /** A staff MJML layout compiled to HTML (placeholders intact), instead of the template. */
  layoutHtml?: string | null;
}

export interface RenderOutput {
  html: string;
  text: string;
  warnings: string[];
}

/** The placeholders a saved MJML layout may hold; `footer` is required. */
export const layoutPlaceholders = ['subject', 'preheader', 'intro', 'events', 'publications', 'news', 'footer'] as const;
export const layoutPlaceholder = (name: (typeof layoutPlaceholders)[number]) => `{{gazette:${name}}}`;

/** Renders the issue's HTML and plain text and lists any warnings (such as Gmail clipping). */
export async function renderIssue(config: Config, input: RenderInput): Promise<RenderOutput> {
  const sections = sectionViews(input.items, config.publicUrl);
  const intro = introHtml(input.intro);
  let body: { html: string; text: string };
  if (input.layoutHtml) {
    body = await renderIntoLayout(config, input, intro, sections);
  } else {
    body = await renderNewsletter({
      subject: input.subject,
      preheader: input.preheader,
      orgName: config.mail.orgName,
      postalAddress: config.mail.orgPostalAddress,
      introHtml: intro,
      reason: input.reason,
      webVersionUrl: input.webVersionUrl,
      ...sections,
    });
  }
  const warnings: string[] = [];
  const bytes = new TextEncoder().encode(body.html).length;
  if (bytes > gmailClipBytes) {
    warnings.push(
      `The HTML body is ${Math.round(bytes / 1024)} KB; Gmail clips messages over about 100 KB and hides the rest, footer included. Remove items or shorten the introduction.`,
    );
  }
  return { ...body, warnings };
}

async function renderIntoLayout(
  config: Config,
  input: RenderInput,
  intro: string,
  sections: ReturnType<typeof sectionViews>,
): Promise<{ html: string; text: string }> {
  const fragment = async (element: ReturnType<typeof createElement>) => stripDocument(await render(element));
  const parts: Record<(typeof layoutPlaceholders)[number], string> = {
    subject: escapeHtml(input.subject),
    preheader: escapeHtml(input.preheader),
    intro: `<p>Dear ${mergeFields.name},</p>${await fragment(createElement(IntroSection, { html: intro }))}`,
    events: await fragment(createElement(EventsSection, { events: sections.events })),
    publications: await fragment(createElement(PublicationsSection, { publications: sections.publications })),
    news: await fragment(createElement(NewsSection, { news: sections.news })),
    footer: await fragment(
      createElement(Footer, {
        orgName: config.mail.orgName,
        postalAddress: config.mail.orgPostalAddress,
        reason: input.reason,
        preferencesUrl: mergeFields.preferencesUrl,
        unsubscribeUrl: mergeFields.unsubscribeUrl,
        webVersionUrl: input.webVersionUrl,
      }),
    ),
  };
  let html = input.layoutHtml!;
  for (const name of layoutPlaceholders) html = html.split(layoutPlaceholder(name)).join(parts[name]);
  return { html, text: toPlainText(html) };
}

/** A section rendered alone comes wrapped in a doctype and Suspense markers; keep the markup. */
function stripDocument(html: string): string {
  return html.replace(/^<!DOCTYPE[^>]*>/i, '').replace(/<!--\/?\$-->/g, '');
}
