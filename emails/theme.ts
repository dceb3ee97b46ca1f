/**
 * Design tokens shared by every email: colours, type and spacing. Email clients ignore most
 * stylesheets, so components inline these values as style objects.
 */

export const theme = {
  colour: {
    text: '#1f2933',
    muted: '#52606d',
    accent: '#0b5394',
    rule: '#d9e2ec',
    background: '#f5f7fa',
    surface: '#ffffff',
  },
  font: {
    family: "Helvetica, Arial, 'Segoe UI', sans-serif",
    body: '15px',
    small: '12px',
    heading: '22px',
    section: '17px',
    lineHeight: '1.5',
  },
  space: {
    page: '24px',
    block: '16px',
    item: '12px',
  },
  width: '600px',
} as const;

export const styles = {
  body: { backgroundColor: theme.colour.background, fontFamily: theme.font.family, margin: 0, padding: 0 },
  container: {
    backgroundColor: theme.colour.surface,
    maxWidth: theme.width,
    margin: '0 auto',
    padding: theme.space.page,
    color: theme.colour.text,
  },
  text: { fontSize: theme.font.body, lineHeight: theme.font.lineHeight, margin: `0 0 ${theme.space.item}` },
  muted: { fontSize: theme.font.small, lineHeight: theme.font.lineHeight, color: theme.colour.muted, margin: '0 0 4px' },
  link: { color: theme.colour.accent, textDecoration: 'underline' },
  heading: { fontSize: theme.font.heading, margin: `0 0 ${theme.space.block}`, color: theme.colour.accent },
  sectionHeading: {
    fontSize: theme.font.section,
    margin: `${theme.space.block} 0 ${theme.space.item}`,
    paddingBottom: '4px',
    borderBottom: `2px solid ${theme.colour.rule}`,
  },
  itemTitle: { fontSize: theme.font.body, fontWeight: 'bold', margin: '0 0 4px' },
  rule: { borderColor: theme.colour.rule, margin: `${theme.space.block} 0` },
} as const;
