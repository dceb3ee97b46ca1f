/** @jsxImportSource hono/jsx */
/**
 * The dashboard: audience size and growth, the last issues with their results, and whether
 * bounces and complaints stay within what SES tolerates.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import { BarChart } from '../charts.tsx';
import { feedbackHealth } from '../../feedback/health.ts';
import { recentIssues, subscribersPerWeek, totals } from '../dashboard-data.ts';
import { formatDay, formatNumber, percent } from '../format.ts';
import { pageContext } from '../http.ts';
import { can, Empty, Layout, StatusBadge, When, ZoneNote } from '../layout.tsx';

export function registerDashboard(app: Hono<AppEnv>): void {
  app.get('/', async (c) => {
    const page = pageContext(c);
    const { db } = c.var.deps;
    const now = c.var.deps.now();
    const [sums, weeks, issues, health] = await Promise.all([totals(db), subscribersPerWeek(db, now), recentIssues(db), feedbackHealth(db, { topicArns: c.var.deps.config.snsTopicArns, now })]);
    const bounceWarn = health.bounces.level !== 'ok';
    const complaintWarn = health.complaints.level !== 'ok';
    return c.html(
      <Layout page={page} title="Dashboard" actions={can(page, 'editor') ? <a class="button" href="/console/compose">Compose an issue</a> : undefined}>
        <div class="cards">
          <div class="card">
            <span class="stat">{formatNumber(sums.activeSubscribers)}</span> active subscribers
          </div>
          <div class="card">
            <span class="stat">{formatNumber(sums.confirmedSubscriptions)}</span> confirmed subscriptions on {formatNumber(sums.lists)} lists
          </div>
          <div class="card">
            <span class="stat">{percent(health.bounces.count, health.sends)}</span> hard bounces in the last {health.windowDays} days
            {bounceWarn ? (
              <p class="warning">
                Near or above the {percent(health.bounces.reviewThreshold, 1)} at which SES reviews an account: check the last import and the suppression list before the next send.
              </p>
            ) : null}
          </div>
          <div class="card">
            <span class="stat">{percent(health.complaints.count, health.sends)}</span> complaints in the last {health.windowDays} days
            {complaintWarn ? (
              <p class="warning">
                Near or above the {percent(health.complaints.reviewThreshold, 1)} at which SES reviews an account: check who is being mailed and why.
              </p>
            ) : null}
          </div>
        </div>

        <h2>New subscribers per week</h2>
        <div class="card">
          <BarChart
            title="New subscribers per week, last 12 weeks"
            bars={weeks.map((week) => ({ label: formatDay(week.weekStart, 'UTC').replace(/ \d{4}$/, ''), value: week.count }))}
          />
          <p class="muted">Weeks start on Monday. {formatNumber(sums.suppressed)} addresses are on the suppression list.</p>
        </div>

        <h2>Last issues</h2>
        {issues.length === 0 ? (
          <Empty title="No issue has been sent yet">
            <p>
              Add events and publications under <a href="/console/content">Content</a>, then{' '}
              <a href="/console/compose">compose an issue</a> from them.
            </p>
          </Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Subject</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    Sent or due <ZoneNote page={page} />
                  </th>
                  <th scope="col" class="num">
                    Recipients
                  </th>
                  <th scope="col" class="num">
                    Sent
                  </th>
                  <th scope="col" class="num">
                    Failed
                  </th>
                  <th scope="col" class="num">
                    Bounced
                  </th>
                  <th scope="col" class="num">
                    Complaints
                  </th>
                </tr>
              </thead>
              <tbody>
                {issues.map((issue) => (
                  <tr>
                    <td>
                      <a href={`/console/campaigns/${issue.id}`}>{issue.subject}</a>
                    </td>
                    <td>
                      <StatusBadge status={issue.status} />
                    </td>
                    <td>
                      <When page={page} at={issue.finishedAt ?? issue.sendAt} />
                    </td>
                    <td class="num">{formatNumber(issue.recipients)}</td>
                    <td class="num">{formatNumber(issue.sent)}</td>
                    <td class="num">{formatNumber(issue.failed)}</td>
                    <td class="num">{formatNumber(issue.bounced)}</td>
                    <td class="num">{formatNumber(issue.complained)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Layout>,
    );
  });
}
