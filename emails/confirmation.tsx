/**
 * The double opt-in confirmation: one message for every list the person asked for, with one
 * button to the confirmation page (which confirms on a POST, so link scanners cannot).
 */
import { Body, Button, Container, Head, Heading, Hr, Html, Link, Preview, Text } from '@react-email/components';
import { render } from '@react-email/render';

export interface ConfirmationEmailProps {
  orgName: string;
  orgPostalAddress: string;
  /** The recipient's name, when known. */
  name?: string;
  /** Names of the lists awaiting confirmation. */
  lists: string[];
  confirmUrl: string;
  unsubscribeUrl: string;
  /** How long the link stays valid, in hours. */
  validHours: number;
}

const text = { fontSize: '16px', lineHeight: '24px', color: '#1f2933' };
const small = { fontSize: '13px', lineHeight: '20px', color: '#52606d' };

export function ConfirmationEmail(props: ConfirmationEmailProps) {
  const listNames = props.lists.join(', ');
  return (
    <Html lang="en">
      <Head />
      <Preview>Confirm your subscription to {listNames}</Preview>
      <Body style={{ backgroundColor: '#f5f7fa', fontFamily: 'Arial, Helvetica, sans-serif' }}>
        <Container style={{ backgroundColor: '#ffffff', padding: '32px', maxWidth: '560px' }}>
          <Heading as="h1" style={{ fontSize: '22px', color: '#102a43' }}>
            {props.orgName}
          </Heading>
          <Text style={text}>{props.name ? `Dear ${props.name},` : 'Hello,'}</Text>
          <Text style={text}>
            Please confirm that you want to receive: {listNames}. We will not send you anything else until you
            confirm.
          </Text>
          <Button
            href={props.confirmUrl}
            style={{ backgroundColor: '#0b5cad', color: '#ffffff', padding: '12px 20px', borderRadius: '4px', fontSize: '16px' }}
          >
            Confirm my subscription
          </Button>
          <Text style={small}>
            Or open this link: <Link href={props.confirmUrl}>{props.confirmUrl}</Link>. It is valid for{' '}
            {props.validHours} hours.
          </Text>
          <Text style={small}>If you did not ask for this, ignore this message and you will not hear from us again.</Text>
          <Hr />
          <Text style={small}>
            {props.orgName}, {props.orgPostalAddress}. You receive this message because someone entered your address on
            our sign-up form. <Link href={props.unsubscribeUrl}>Unsubscribe</Link>.
          </Text>
        </Container>
      </Body>
    </Html>
  );
}

ConfirmationEmail.PreviewProps = {
  orgName: 'Governance Innovation Office',
  orgPostalAddress: '1 Example Plaza, 10000 Example City, Example Country',
  name: 'Jane Doe',
  lists: ['Monthly newsletter', 'Forum announcements'],
  confirmUrl: 'https://news.example.org/confirm/preview',
  unsubscribeUrl: 'https://news.example.org/unsubscribe/preview',
  validHours: 72,
} satisfies ConfirmationEmailProps;

export default ConfirmationEmail;

/** Renders the confirmation message as HTML and plain text. */
export async function renderConfirmationEmail(props: ConfirmationEmailProps): Promise<{ html: string; text: string }> {
  const element = <ConfirmationEmail {...props} />;
  const [html, plain] = await Promise.all([render(element), render(element, { plainText: true })]);
  return { html, text: plain };
}
