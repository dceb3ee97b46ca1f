/**
 * The composed sections of an issue: introduction, upcoming events, new publications and news.
 * The React Email template stacks them inside its layout; MJML layouts receive each one
 * rendered on its own.
 */
import { Heading, Link, Section, Text } from '@react-email/components';
import { styles } from '../theme.ts';

export interface ItemView {
  id: string;
  title: string;
  url: string | null;
  /** Plain text, already shortened. */
  summary: string;
}

export interface EventView extends ItemView {
  /** The event's date and time in its own zone, with the zone named. */
  when: string;
  /** The venue and city, or "Online". */
  where: string;
  registrationUrl: string | null;
  /** `${publicUrl}/events/<id>.ics` */
  calendarUrl: string;
}

export interface PublicationView extends ItemView {
  authors: string[];
  date: string | null;
  pdfUrl: string | null;
}

export function IntroSection({ html }: { html: string }) {
  if (!html) return null;
  return (
    <Section>
      <div style={styles.text} dangerouslySetInnerHTML={{ __html: html }} />
    </Section>
  );
}

function ItemTitle({ item }: { item: ItemView }) {
  return (
    <Text style={styles.itemTitle}>
      {item.url ? (
        <Link href={item.url} style={styles.link}>
          {item.title}
        </Link>
      ) : (
        item.title
      )}
    </Text>
  );
}

export function EventsSection({ events }: { events: EventView[] }) {
  if (events.length === 0) return null;
  return (
    <Section>
      <Heading as="h2" style={styles.sectionHeading}>
        Upcoming events
      </Heading>
      {events.map((event) => (
        <Section key={event.id} style={{ marginBottom: '12px' }}>
          <ItemTitle item={event} />
          <Text style={styles.muted}>{event.when}</Text>
          <Text style={styles.muted}>{event.where}</Text>
          {event.summary ? <Text style={styles.text}>{event.summary}</Text> : null}
          <Text style={styles.muted}>
            {event.registrationUrl ? (
              <>
                <Link href={event.registrationUrl} style={styles.link}>
                  Register
                </Link>
                {' · '}
              </>
            ) : null}
            <Link href={event.calendarUrl} style={styles.link}>
              Add to calendar
            </Link>
          </Text>
        </Section>
      ))}
    </Section>
  );
}

export function PublicationsSection({ publications }: { publications: PublicationView[] }) {
  if (publications.length === 0) return null;
  return (
    <Section>
      <Heading as="h2" style={styles.sectionHeading}>
        New publications
      </Heading>
      {publications.map((publication) => (
        <Section key={publication.id} style={{ marginBottom: '12px' }}>
          <ItemTitle item={publication} />
          {publication.authors.length > 0 || publication.date ? (
            <Text style={styles.muted}>
              {[publication.authors.join(', '), publication.date].filter(Boolean).join(' · ')}
            </Text>
          ) : null}
          {publication.summary ? <Text style={styles.text}>{publication.summary}</Text> : null}
          {publication.pdfUrl ? (
            <Text style={styles.muted}>
              <Link href={publication.pdfUrl} style={styles.link}>
                Download the PDF
              </Link>
            </Text>
          ) : null}
        </Section>
      ))}
    </Section>
  );
}

export function NewsSection({ news }: { news: PublicationView[] }) {
  if (news.length === 0) return null;
  return (
    <Section>
      <Heading as="h2" style={styles.sectionHeading}>
        News
      </Heading>
      {news.map((item) => (
        <Section key={item.id} style={{ marginBottom: '12px' }}>
          <ItemTitle item={item} />
          {item.date ? <Text style={styles.muted}>{item.date}</Text> : null}
          {item.summary ? <Text style={styles.text}>{item.summary}</Text> : null}
        </Section>
      ))}
    </Section>
  );
}
