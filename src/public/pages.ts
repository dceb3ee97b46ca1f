/**
 * Server-rendered public pages: plain, accessible HTML with no client script. Every value is
 * escaped by Hono's `html` template; `raw` is used only for markup built here.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

const style = `
  body { font-family: system-ui, Arial, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1f2933; line-height: 1.5; }
  h1 { font-size: 1.5rem; color: #102a43; }
  button { font-size: 1rem; padding: 0.6rem 1.2rem; background: #0b5cad; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  button.secondary { background: #52606d; }
  button.danger { background: #a61b1b; }
  label { display: block; margin: 0.6rem 0 0.2rem; }
  input[type=text], input[type=email], select { width: 100%; max-width: 28rem; padding: 0.4rem; font-size: 1rem; }
  fieldset { border: 1px solid #cbd2d9; margin: 1rem 0; }
  .check label { display: inline; margin: 0; }
  .hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
  .error { color: #a61b1b; }
  footer { margin-top: 3rem; font-size: 0.85rem; color: #52606d; }
`;

/** Wraps a page body in the shared layout. */
export function layout(title: string, orgName: string, body: Markup): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · ${orgName}</title>
<style>${raw(style)}</style>
</head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>
<footer>${orgName}</footer>
</body>
</html>`;
}

/** A page with one message and, optionally, one button that posts to `action`. */
export function messagePage(
  orgName: string,
  title: string,
  paragraphs: string[],
  button?: { action: string; label: string; hidden?: Record<string, string> },
): Markup {
  const hidden = Object.entries(button?.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return layout(
    title,
    orgName,
    html`${paragraphs.map((text) => html`<p>${text}</p>`)}
${button ? html`<form method="post" action="${button.action}">${hidden}<button type="submit">${button.label}</button></form>` : ''}`,
  );
}

/** What a link page says when the token is forged, expired or points at nothing. */
export const linkProblemText = {
  invalid: {
    status: 400 as const,
    title: 'This link is not valid',
    text: 'The link is incomplete or has been changed. Please copy the whole link from the email, or sign up again.',
  },
  expired: {
    status: 410 as const,
    title: 'This link has expired',
    text: 'Confirmation links are valid for a limited time. Please sign up again and we will send you a new link.',
  },
  gone: {
    status: 410 as const,
    title: 'This subscription no longer exists',
    text: 'We hold no subscription for this link any more, so there is nothing to change.',
  },
};
