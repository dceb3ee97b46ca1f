/**
 * The footer of every bulk message: postal address (required of bulk senders), why the
 * reader receives it, and the preference, unsubscribe and web-version links. The links are
 * merge-field placeholders, filled per recipient after the single render.
 */
import { Hr, Link, Section, Text } from '@react-email/components';
import { styles } from '../theme.ts';

export interface FooterProps {
  orgName: string;
  postalAddress: string;
  /** Why the reader receives this message, e.g. "You subscribed to the Monthly newsletter." */
  reason: string;
  preferencesUrl: string;
  unsubscribeUrl: string;
  webVersionUrl: string;
}

export function Footer({ orgName, postalAddress, reason, preferencesUrl, unsubscribeUrl, webVersionUrl }: FooterProps) {
  return (
    <Section>
      <Hr style={styles.rule} />
      <Text style={styles.muted}>{reason}</Text>
      <Text style={styles.muted}>
        <Link href={preferencesUrl} style={styles.link}>
          Manage your preferences
        </Link>
        {' · '}
        <Link href={unsubscribeUrl} style={styles.link}>
          Unsubscribe
        </Link>
        {' · '}
        <Link href={webVersionUrl} style={styles.link}>
          View in browser
        </Link>
      </Text>
      <Text style={styles.muted}>
        {orgName}, {postalAddress}
      </Text>
    </Section>
  );
}
