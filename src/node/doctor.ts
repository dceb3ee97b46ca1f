/**
 * `gazette doctor`: checks the setup the way mail actually flows (database, SES account,
 * sending identity, feedback path, links in the mail) and says, for each problem, what to do.
 * Every check is independent: one that fails does not hide the others.
 */
import {
  GetAccountCommand,
  GetConfigurationSetEventDestinationsCommand,
  GetEmailIdentityCommand,
  type GetEmailIdentityCommandOutput,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { loadConfig, type Config } from '../config.ts';
import type { Db } from '../db/connect.ts';
import { pendingMigrations } from '../db/migrate.ts';

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  check: string;
  status: FindingStatus;
  message: string;
  /** What to do about it; absent when all is well. */
  fix?: string;
}

export interface DoctorInput {
  config: Config;
  /**
   * An open database, a running server that holds the embedded database and reports it ready,
   * or why neither could be reached.
   */
  database: { db: Db } | { readyServer: string } | { error: string };
  ses: SESv2Client;
}

/** Runs every check and returns the findings in a fixed order. */
export async function runDoctor(input: DoctorInput): Promise<Finding[]> {
  const { config } = input;
  const findings: Finding[] = [];
  findings.push(...(await checkDatabase(input)));
  findings.push(checkPublicUrl(config));
  findings.push(...checkMailSettings(config));

  const account = await checkAccount(input);
  findings.push(...account.findings);
  if (account.reachable) {
    findings.push(...(await checkIdentity(input)));
    findings.push(...(await checkFeedbackPath(input)));
  }
  return findings;
}

async function checkDatabase({ config, database }: DoctorInput): Promise<Finding[]> {
  const check = 'database';
  const where = config.embedded ? `PGlite in ${config.dataDir}/pg` : 'PostgreSQL (DATABASE_URL)';
  if ('error' in database) {
    return [
      {
        check,
        status: 'fail',
        message: `Cannot open ${where}: ${database.error}`,
        fix: config.embedded
          ? 'Check that DATA_DIR is readable and writable, or stop the server that holds it and run the doctor again.'
          : 'Check DATABASE_URL (host, port, user, password, database name) and that the server accepts connections from here.',
      },
    ];
  }
  if ('readyServer' in database) {
    return [
      { check, status: 'ok', message: `${where} is held by the running server at ${database.readyServer}, which reports it ready.` },
      { check: 'migrations', status: 'ok', message: 'Every migration has run (the server checked).' },
    ];
  }
  try {
    const pending = await pendingMigrations(database.db);
    const reachable: Finding = { check, status: 'ok', message: `${where} answers.` };
    if (pending.length === 0) return [reachable, { check: 'migrations', status: 'ok', message: 'Every migration has run.' }];
    return [
      reachable,
      {
        check: 'migrations',
        status: 'fail',
        message: `${pending.length} migration(s) not applied: ${pending.join(', ')}.`,
        fix: 'Run `npx gazette migrate` (or start `gazette serve`, which migrates first).',
      },
    ];
  } catch (error) {
    return [{ check, status: 'fail', message: `${where} does not answer: ${(error as Error).message}`, fix: 'Check that the database server runs and DATABASE_URL points at it.' }];
  }
}

function checkPublicUrl(config: Config): Finding {
  const check = 'public URL';
  if (config.publicUrl.startsWith('https://')) {
    return { check, status: 'ok', message: `Links in mail point at ${config.publicUrl}.` };
  }
  return {
    check,
    status: config.embedded ? 'warn' : 'fail',
    message: `PUBLIC_URL is ${config.publicUrl}: mailbox providers only honour one-click unsubscribe (RFC 8058) over HTTPS.`,
    fix: 'Set PUBLIC_URL to the HTTPS address subscribers reach Gazette at, e.g. https://news.example.org.',
  };
}

const demoDefaults = loadConfig({});

function checkMailSettings(config: Config): Finding[] {
  const findings: Finding[] = [];
  const address = config.mail.orgPostalAddress.trim();
  if (!address || address === demoDefaults.mail.orgPostalAddress) {
    findings.push({
      check: 'postal address',
      status: 'fail',
      message: address ? 'ORG_POSTAL_ADDRESS is still the demo value.' : 'ORG_POSTAL_ADDRESS is empty.',
      fix: "Set ORG_POSTAL_ADDRESS to the organisation's postal address; bulk-mail rules require it in every message footer.",
    });
  } else {
    findings.push({ check: 'postal address', status: 'ok', message: 'The footer carries a postal address.' });
  }
  if (config.mail.from === demoDefaults.mail.from) {
    findings.push({
      check: 'sender',
      status: config.embedded ? 'warn' : 'fail',
      message: 'MAIL_FROM is still the demo sender.',
      fix: 'Set MAIL_FROM to a sender on a domain verified in SES, e.g. "Forum News <news@example.org>".',
    });
  }
  return findings;
}

async function checkAccount({ config, ses }: DoctorInput): Promise<{ reachable: boolean; findings: Finding[] }> {
  const check = 'SES account';
  const findings: Finding[] = [];
  if (config.ses.local) {
    findings.push({
      check: 'SES credentials',
      status: 'warn',
      message: `No AWS credentials or SES_ENDPOINT: mail goes to the local SES on port ${config.ses.localPort}, not to anyone's inbox.`,
      fix: 'For real mail set AWS_REGION and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE).',
    });
  }
  let account;
  try {
    account = await ses.send(new GetAccountCommand({}));
  } catch (error) {
    findings.push({
      check: 'SES credentials',
      status: 'fail',
      message: `SES in ${config.ses.region} refused GetAccount: ${describeAwsError(error)}`,
      fix: 'Check AWS_REGION (the region where the identity is verified) and the credentials; the IAM user needs ses:GetAccount, ses:GetEmailIdentity, ses:GetConfigurationSetEventDestinations and ses:SendEmail.',
    });
    return { reachable: false, findings };
  }
  if (!config.ses.local) {
    findings.push({ check: 'SES credentials', status: 'ok', message: `SES answers in ${config.ses.region}.` });
  }
  if (account.SendingEnabled === false) {
    findings.push({
      check,
      status: 'fail',
      message: 'Sending is paused for this SES account.',
      fix: 'Open the SES console (account dashboard) to see why, and resume sending once the cause is fixed.',
    });
  }
  if (account.ProductionAccessEnabled === false) {
    findings.push({
      check,
      status: 'warn',
      message: 'The account is in the SES sandbox: it can only mail verified addresses.',
      fix: 'Request production access in the SES console before sending to subscribers.',
    });
  }
  const quota = account.SendQuota;
  if (quota) {
    const max = quota.Max24HourSend ?? 0;
    const sent = quota.SentLast24Hours ?? 0;
    const rate = quota.MaxSendRate ?? 0;
    const share = max > 0 ? sent / max : 0;
    findings.push({
      check: 'send quota',
      status: share >= 0.8 ? 'warn' : 'ok',
      message: `${sent} of ${max} messages sent in the last 24 hours; up to ${rate} per second.`,
      fix: share >= 0.8 ? 'Ask AWS for a higher sending quota, or spread large sends over more days.' : undefined,
    });
    if (config.ses.maxSendRate && rate > 0 && config.ses.maxSendRate > rate) {
      findings.push({
        check: 'send rate',
        status: 'warn',
        message: `SES_MAX_SEND_RATE is ${config.ses.maxSendRate} per second, above the account's ${rate}: SES will throttle.`,
        fix: `Set SES_MAX_SEND_RATE to ${rate} or less, or unset it to follow the account's rate.`,
      });
    }
  }
  return { reachable: true, findings };
}

async function checkIdentity({ config, ses }: DoctorInput): Promise<Finding[]> {
  const check = 'sending identity';
  const address = bareAddress(config.mail.from);
  const domain = address.split('@')[1] ?? address;
  // SES accepts mail from an address verified on its own or from any address of a verified domain.
  let identity: GetEmailIdentityCommandOutput | undefined;
  let name = address;
  for (const candidate of [address, domain]) {
    try {
      identity = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: candidate }));
      name = candidate;
      break;
    } catch (error) {
      if ((error as { name?: string }).name !== 'NotFoundException') {
        return [{ check, status: 'fail', message: `Could not read identity ${candidate}: ${describeAwsError(error)}`, fix: 'Check that the credentials allow ses:GetEmailIdentity.' }];
      }
    }
  }
  if (!identity) {
    return [
      {
        check,
        status: 'fail',
        message: `Neither ${address} nor ${domain} is an SES identity in ${config.ses.region}.`,
        fix: `Create the domain identity ${domain} in SES (${config.ses.region}) and publish its DKIM records, or change MAIL_FROM.`,
      },
    ];
  }
  const findings: Finding[] = [];
  if (identity.VerifiedForSendingStatus) {
    findings.push({ check, status: 'ok', message: `${name} is verified for sending.` });
  } else {
    findings.push({
      check,
      status: 'fail',
      message: `${name} is not verified for sending yet.`,
      fix: 'Publish the DNS records SES shows for this identity and wait for verification (up to 72 hours).',
    });
  }
  const dkim = identity.DkimAttributes;
  if (dkim?.Status === 'SUCCESS' && dkim.SigningEnabled !== false) {
    findings.push({ check: 'DKIM', status: 'ok', message: `DKIM signing is on for ${name}.` });
  } else {
    findings.push({
      check: 'DKIM',
      status: 'fail',
      message: `DKIM for ${name} is ${dkim?.Status ?? 'not set up'}${dkim?.SigningEnabled === false ? ' and signing is off' : ''}.`,
      fix: `Publish the three DKIM CNAME records SES lists for ${name}; Gmail and Yahoo reject bulk mail without DKIM.`,
    });
  }
  return findings;
}

async function checkFeedbackPath({ config, ses }: DoctorInput): Promise<Finding[]> {
  const check = 'configuration set';
  const webhook = `${config.publicUrl}/api/webhooks/ses`;
  const setName = config.ses.configurationSet;
  if (!setName) {
    return [
      {
        check,
        status: 'warn',
        message: 'SES_CONFIGURATION_SET is not set: bounces and complaints reach Gazette only through identity notifications, if any.',
        fix: `Create a configuration set with an SNS event destination (bounce, complaint, delivery), subscribe ${webhook} to that topic, and set SES_CONFIGURATION_SET and SNS_TOPIC_ARNS.`,
      },
    ];
  }
  let destinations;
  try {
    destinations = (await ses.send(new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: setName })))
      .EventDestinations ?? [];
  } catch (error) {
    return [
      {
        check,
        status: 'fail',
        message: `Could not read configuration set ${setName}: ${describeAwsError(error)}`,
        fix: `Create the configuration set ${setName} in SES (${config.ses.region}) or correct SES_CONFIGURATION_SET.`,
      },
    ];
  }
  const sns = destinations.filter((destination) => destination.Enabled !== false && destination.SnsDestination?.TopicArn);
  if (sns.length === 0) {
    return [
      {
        check,
        status: 'fail',
        message: `Configuration set ${setName} has no enabled SNS event destination.`,
        fix: `Add an SNS event destination for bounce, complaint and delivery events, and subscribe ${webhook} to its topic.`,
      },
    ];
  }
  const findings: Finding[] = [];
  const events = new Set(sns.flatMap((destination) => destination.MatchingEventTypes ?? []));
  const missing = ['BOUNCE', 'COMPLAINT'].filter((event) => !events.has(event as never));
  findings.push(
    missing.length === 0
      ? { check, status: 'ok', message: `${setName} publishes bounces and complaints to SNS.` }
      : {
          check,
          status: 'fail',
          message: `${setName} does not publish ${missing.join(' or ').toLowerCase()} events to SNS.`,
          fix: 'Add those event types to the SNS event destination; without them bounced and complaining addresses keep being mailed.',
        },
  );
  for (const destination of sns) {
    const topic = destination.SnsDestination!.TopicArn!;
    findings.push(
      config.snsTopicArns.includes(topic)
        ? {
            check: 'SNS topic',
            status: 'ok',
            message: `The webhook accepts ${topic}; its HTTPS subscription should point at ${webhook}.`,
          }
        : {
            check: 'SNS topic',
            status: 'fail',
            message: `The webhook would reject notifications from ${topic}: it is not in SNS_TOPIC_ARNS.`,
            fix: `Add ${topic} to SNS_TOPIC_ARNS and subscribe ${webhook} (HTTPS) to the topic; Gazette confirms the subscription itself.`,
          },
    );
  }
  return findings;
}

/** `Forum News <news@example.org>` → `news@example.org`. */
function bareAddress(from: string): string {
  const match = from.match(/<([^>]+)>/);
  return (match?.[1] ?? from).trim();
}

function describeAwsError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? 'no message'}`;
}

/** Formats findings for a terminal: a mark, the check, the message, and the fix on its own line. */
export function formatFindings(findings: Finding[]): string {
  const marks: Record<FindingStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  const width = Math.max(...findings.map((finding) => finding.check.length));
  const lines = findings.flatMap((finding) => {
    const head = `${marks[finding.status]}  ${finding.check.padEnd(width)}  ${finding.message}`;
    return finding.fix ? [head, `${' '.repeat(width + 8)}fix: ${finding.fix}`] : [head];
  });
  const failed = findings.filter((finding) => finding.status === 'fail').length;
  const warned = findings.filter((finding) => finding.status === 'warn').length;
  lines.push('', failed === 0 ? `No problems found${warned ? ` (${warned} warning(s))` : ''}.` : `${failed} problem(s) to fix, ${warned} warning(s).`);
  return `${lines.join('\n')}\n`;
}
