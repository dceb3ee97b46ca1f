/** @jsxImportSource hono/jsx */
/**
 * Settings: the sender identity and footer, how mail leaves (SES) and how feedback comes back
 * (SNS), read from the configuration. Changing them means changing the environment, so the
 * page says which variable holds each value.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import { pageContext } from '../http.ts';
import { Layout, When, type PageContext } from '../layout.tsx';
import type { Config } from '../../config.ts';
import { feedbackHealth, type FeedbackHealth } from '../../feedback/health.ts';

function SettingsPage({ page, config, feedback }: { page: PageContext; config: Config; feedback: FeedbackHealth }) {
  const ses = config.ses;
  const sesMode = ses.local
    ? 'Local SES (embedded): messages are kept and shown in the local mail viewer, not delivered.'
    : ses.endpoint
      ? `SES-compatible endpoint at ${ses.endpoint}.`
      : `Amazon SES in ${ses.region}.`;
  return (
    <Layout page={page} title="Settings">
      <p class="muted">These values come from the server's environment; the variable that sets each is named beside it.</p>
      <section class="card" aria-labelledby="sender">
        <h2 id="sender">Sender identity</h2>
        <dl class="facts">
          <dt>From</dt>
          <dd>
            {config.mail.from} <code class="muted">MAIL_FROM</code>
          </dd>
          <dt>Organisation</dt>
          <dd>
            {config.mail.orgName} <code class="muted">ORG_NAME</code>
          </dd>
          <dt>Postal address in the footer</dt>
          <dd>
            {config.mail.orgPostalAddress} <code class="muted">ORG_POSTAL_ADDRESS</code>
          </dd>
          <dt>Unsubscribe by mail</dt>
          <dd>
            {config.mail.unsubscribeMailto ?? 'not set: links in mail unsubscribe over HTTPS only'} <code class="muted">UNSUBSCRIBE_MAILTO</code>
          </dd>
          <dt>Public address</dt>
          <dd>
            {config.publicUrl} <code class="muted">PUBLIC_URL</code>
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="ses">
        <h2 id="ses">Sending (SES)</h2>
        <dl class="facts">
          <dt>Status</dt>
          <dd>{sesMode}</dd>
          <dt>Region</dt>
          <dd>
            {ses.region} <code class="muted">AWS_REGION</code>
          </dd>
          <dt>Configuration set</dt>
          <dd>
            {ses.configurationSet ?? 'none'} <code class="muted">SES_CONFIGURATION_SET</code>
          </dd>
          <dt>Sending rate</dt>
          <dd>
            {ses.maxSendRate ? `${ses.maxSendRate} messages a second` : "the account's own limit"} <code class="muted">SES_MAX_SEND_RATE</code>
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="sns">
        <h2 id="sns">Feedback (SNS)</h2>
        <dl class="facts">
          <dt>Accepted topics</dt>
          <dd>
            {config.snsTopicArns.length > 0 ? (
              <ul>
                {feedback.topics.map((topic) => (
                  <li>
                    <code>{topic.topicArn}</code>
                    {topic.configured ? '' : ' (not accepted: not in SNS_TOPIC_ARNS)'}: {topic.notifications} notifications in the last {feedback.windowDays} days, last{' '}
                    <When page={page} at={topic.lastNotificationAt} empty="never" />
                  </li>
                ))}
              </ul>
            ) : (
              <span class="warning">
                None: bounces and complaints are not received. Set <code>SNS_TOPIC_ARNS</code> and point the topic at{' '}
                <code>{config.publicUrl}/api/webhooks/ses</code>.
              </span>
            )}
          </dd>
          <dt>Last notification</dt>
          <dd>
            {feedback.lastNotificationAt ? (
              <>
                <When page={page} at={feedback.lastNotificationAt} /> <span class="zone">({page.session.timezone})</span>
              </>
            ) : (
              'none received yet'
            )}
          </dd>
        </dl>
      </section>
    </Layout>
  );
}

export function registerSettingsPages(app: Hono<AppEnv>): void {
  app.get('/settings', async (c) => {
    return c.html(<SettingsPage page={pageContext(c)} config={c.var.deps.config} feedback={await feedbackHealth(c.var.deps.db, { topicArns: c.var.deps.config.snsTopicArns, now: c.var.deps.now() })} />);
  });
}
