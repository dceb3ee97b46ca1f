/**
 * A newsletter issue of realistic size for the send benchmark: a header, an editor's
 * introduction, four events, four publications and a footer with the postal address and the
 * unsubscribe and preference links, built with React Email components.
 *
 * The benchmark renders it once with merge-field placeholders (what the sending engine sends)
 * and once per recipient with real values (the naive loop it is compared with).
 */
import { Body, Container, Head, Heading, Hr, Html, Link, Preview, Section, Text } from '@react-email/components';
import { render, toPlainText } from '@react-email/render';

export interface SampleIssueProps {
  name: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
}

const events = [
  ['Regional forum on open government', '12–13 March 2027, Seoul (Asia/Seoul)', 'Venue: Conference Centre, Hall B'],
  ['Workshop: digital public services for small municipalities', '2 April 2027, 09:00 Europe/Vienna', 'Online'],
  ['Global dialogue on public sector innovation', '20–22 May 2027, Nairobi (Africa/Nairobi)', 'Venue: UN Complex, Gigiri'],
  ['Capacity-development webinar: participatory budgeting', '9 June 2027, 14:00 America/New_York', 'Online'],
];

const publications = [
  ['World Public Sector Report: institutions for inclusive recovery', 'Chapters on trust, transparency and the role of local government after crises.'],
  ['Policy brief: artificial intelligence in tax administration', 'What twelve revenue agencies learned from their first automated risk models.'],
  ['Toolkit: engaging youth in national planning', 'Methods, case studies and templates tested in workshops across three regions.'],
  ['Survey of e-government 2026: key findings', 'Rankings, regional trends and the indicators behind the online services index.'],
];

function SampleIssue({ name, unsubscribeUrl, preferencesUrl }: SampleIssueProps) {
  const text = { fontSize: '15px', lineHeight: '22px', color: '#1f2933' };
  return (
    <Html lang="en">
      <Head />
      <Preview>Forums, workshops and new research on public governance</Preview>
      <Body style={{ backgroundColor: '#f4f6f8', fontFamily: 'Helvetica, Arial, sans-serif' }}>
        <Container style={{ maxWidth: '600px', backgroundColor: '#ffffff', padding: '24px' }}>
          <Heading as="h1" style={{ fontSize: '22px', color: '#0b3d6b' }}>
            Public Governance News
          </Heading>
          <Text style={text}>Dear {name},</Text>
          <Text style={text}>
            This issue brings the programme of the spring forums, a new series of online workshops for
            municipal officials, and four publications from the research team. Registration for the
            Seoul forum closes on 15 February.
          </Text>
          <Heading as="h2" style={{ fontSize: '18px', color: '#0b3d6b' }}>
            Upcoming events
          </Heading>
          {events.map(([title, when, where]) => (
            <Section key={title} style={{ marginBottom: '12px' }}>
              <Text style={{ ...text, fontWeight: 'bold', margin: 0 }}>
                <Link href={`https://www.example.org/events/${encodeURIComponent(title!)}`}>{title}</Link>
              </Text>
              <Text style={{ ...text, margin: 0 }}>{when}</Text>
              <Text style={{ ...text, margin: 0 }}>{where}</Text>
              <Link href="https://www.example.org/register">Register</Link>
            </Section>
          ))}
          <Heading as="h2" style={{ fontSize: '18px', color: '#0b3d6b' }}>
            New publications
          </Heading>
          {publications.map(([title, summary]) => (
            <Section key={title} style={{ marginBottom: '12px' }}>
              <Text style={{ ...text, fontWeight: 'bold', margin: 0 }}>
                <Link href={`https://www.example.org/publications/${encodeURIComponent(title!)}`}>{title}</Link>
              </Text>
              <Text style={{ ...text, margin: 0 }}>{summary}</Text>
            </Section>
          ))}
          <Hr />
          <Text style={{ fontSize: '12px', color: '#52606d' }}>
            Division for Public Institutions, 405 East 42nd Street, New York, NY 10017, United States. You
            receive this newsletter because you subscribed to Public Governance News.
          </Text>
          <Text style={{ fontSize: '12px', color: '#52606d' }}>
            <Link href={preferencesUrl}>Preferences</Link> · <Link href={unsubscribeUrl}>Unsubscribe</Link>
          </Text>
        </Container>
      </Body>
    </Html>
  );
}

/** Renders the issue to HTML and plain text. */
export async function renderSampleIssue(props: SampleIssueProps): Promise<{ html: string; text: string }> {
  const html = await render(<SampleIssue {...props} />);
  return { html, text: toPlainText(html) };
}
