/**
 * The newsletter: organisation header, the editor's introduction, upcoming events, new
 * publications, news and the footer. One render serves every recipient of a content variant:
 * the greeting and the footer links are merge-field placeholders.
 */
import { render } from '@react-email/render';
import { Text } from '@react-email/components';
import { mergeFields } from '../src/campaigns/merge-fields.ts';
import { Layout } from './components/layout.tsx';
import {
  EventsSection,
  IntroSection,
  NewsSection,
  PublicationsSection,
  type EventView,
  type PublicationView,
} from './components/sections.tsx';
import { styles } from './theme.ts';

export interface NewsletterProps {
  subject: string;
  preheader: string;
  orgName: string;
  postalAddress: string;
  /** The editor's introduction as sanitised HTML (written in Markdown). */
  introHtml: string;
  events: EventView[];
  publications: PublicationView[];
  news: PublicationView[];
  /** Why the reader receives this issue. */
  reason: string;
  /** Placeholders by default; the archive passes neutral values. */
  greetingName?: string;
  unsubscribeUrl?: string;
  preferencesUrl?: string;
  webVersionUrl?: string;
}

export function Newsletter(props: NewsletterProps) {
  return (
    <Layout
      title={props.subject}
      preheader={props.preheader}
      orgName={props.orgName}
      footer={{
        orgName: props.orgName,
        postalAddress: props.postalAddress,
        reason: props.reason,
        preferencesUrl: props.preferencesUrl ?? mergeFields.preferencesUrl,
        unsubscribeUrl: props.unsubscribeUrl ?? mergeFields.unsubscribeUrl,
        webVersionUrl: props.webVersionUrl ?? mergeFields.webVersionUrl,
      }}
    >
      <Text style={styles.text}>Dear {props.greetingName ?? mergeFields.name},</Text>
      <IntroSection html={props.introHtml} />
      <EventsSection events={props.events} />
      <PublicationsSection publications={props.publications} />
      <NewsSection news={props.news} />
    </Layout>
  );
}

/** Renders the newsletter to HTML and its plain-text part, from the same element. */
export async function renderNewsletter(props: NewsletterProps): Promise<{ html: string; text: string }> {
  const element = <Newsletter {...props} />;
  const [html, text] = await Promise.all([render(element), render(element, { plainText: true })]);
  return { html, text };
}

Newsletter.PreviewProps = {
  subject: 'Governance Innovation Monthly: January 2027',
  preheader: 'A forum in Seoul, two new reports and a call for case studies.',
  orgName: 'Governance Innovation Office',
  postalAddress: '1 Example Plaza, 10000 Example City, Example Country',
  introHtml: '<p>Welcome to the first issue of the year. We look forward to seeing many of you in Seoul.</p>',
  events: [
    {
      id: '1',
      title: 'Regional Forum on Digital Government',
      url: 'https://www.example.org/events/regional-forum',
      summary: 'Two days on digital public infrastructure with officials from the region.',
      when: 'Tuesday, 12 January 2027, 09:00–17:00 (Asia/Seoul)',
      where: 'Conference Centre, Seoul',
      registrationUrl: 'https://www.example.org/events/regional-forum/register',
      calendarUrl: 'https://news.example.org/events/1.ics',
    },
  ],
  publications: [
    {
      id: '2',
      title: 'Public Sector Innovation Report 2027',
      url: 'https://www.example.org/publications/innovation-report-2027',
      summary: 'Case studies of innovation in public administration.',
      authors: ['A. Researcher'],
      date: '5 January 2027',
      pdfUrl: 'https://www.example.org/publications/innovation-report-2027.pdf',
    },
  ],
  news: [],
  reason: 'You receive this because you subscribed to the Monthly newsletter.',
} satisfies NewsletterProps;

export default Newsletter;
