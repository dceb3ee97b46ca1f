/**
 * The frame every email shares: document head, preheader, organisation header and footer.
 */
import { Body, Container, Head, Heading, Html, Preview, Text } from '@react-email/components';
import type { ReactNode } from 'react';
import { styles } from '../theme.ts';
import { Footer, type FooterProps } from './footer.tsx';

export interface LayoutProps {
  title: string;
  preheader: string;
  orgName: string;
  footer: FooterProps;
  children: ReactNode;
}

export function Layout({ title, preheader, orgName, footer, children }: LayoutProps) {
  return (
    <Html lang="en">
      <Head>
        <title>{title}</title>
      </Head>
      {preheader ? <Preview>{preheader}</Preview> : null}
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Text style={styles.muted}>{orgName}</Text>
          <Heading as="h1" style={styles.heading}>
            {title}
          </Heading>
          {children}
          <Footer {...footer} />
        </Container>
      </Body>
    </Html>
  );
}
