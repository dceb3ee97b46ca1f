/**
 * Merge fields: placeholders that an issue is rendered with once, and that each recipient's
 * copy fills in. Values are HTML-escaped in HTML bodies and left as they are in text bodies.
 */

export const mergeFields = {
  name: '{{gz:name}}',
  email: '{{gz:email}}',
  unsubscribeUrl: '{{gz:unsubscribe_url}}',
  preferencesUrl: '{{gz:preferences_url}}',
  webVersionUrl: '{{gz:web_version_url}}',
} as const;

export type MergeValues = Partial<Record<keyof typeof mergeFields, string>>;

const pattern = /\{\{gz:(name|email|unsubscribe_url|preferences_url|web_version_url)\}\}/g;

const keyOf: Record<string, keyof typeof mergeFields> = {
  name: 'name',
  email: 'email',
  unsubscribe_url: 'unsubscribeUrl',
  preferences_url: 'preferencesUrl',
  web_version_url: 'webVersionUrl',
};

/** Replaces every merge field in `template`; a field without a value becomes empty. */
export function fillMergeFields(template: string, values: MergeValues, format: 'html' | 'text'): string {
  return template.replace(pattern, (_match, field: string) => {
    const value = values[keyOf[field]!] ?? '';
    return format === 'html' ? escapeHtml(value) : value;
  });
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
