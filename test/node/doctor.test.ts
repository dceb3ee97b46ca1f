import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createSesClient } from '../../src/delivery/ses.ts';
import { formatFindings, runDoctor, type Finding } from '../../src/node/doctor.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { healthyState, startFakeSes, type FakeSes } from '../helpers/fake-ses.ts';

let ses: FakeSes;

beforeAll(async () => {
  ses = await startFakeSes();
});

afterAll(async () => {
  await ses.close();
});

beforeEach(() => {
  ses.state = healthyState();
});

function productionEnv(overrides: Record<string, string | undefined> = {}) {
  return {
    DATABASE_URL: 'postgres://gazette:secret@127.0.0.1:5432/gazette',
    PUBLIC_URL: 'https://news.example.org',
    SES_ENDPOINT: ses.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example-secret',
    MAIL_FROM: 'Forum News <news@example.org>',
    ORG_POSTAL_ADDRESS: '10 Governance Road, 04520 Seoul, Republic of Korea',
    SES_CONFIGURATION_SET: 'gazette',
    SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:gazette-feedback',
    ...overrides,
  };
}

async function diagnose(database: Parameters<typeof runDoctor>[0]['database'], env = productionEnv()) {
  const config = loadConfig(env);
  return runDoctor({ config, database, ses: createSesClient(config.ses) });
}

function finding(findings: Finding[], check: string): Finding | undefined {
  return findings.find((candidate) => candidate.check === check);
}

describeEachDatabase('doctor', (database) => {
  it('passes a healthy setup', async () => {
    const findings = await diagnose({ db: database().db });
    expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
  });

  it('finds the database migrated', async () => {
    const findings = await diagnose({ db: database().db });
    expect(finding(findings, 'migrations')?.status).toBe('ok');
  });
});

describe('doctor checks', () => {
  const db = { error: 'connection refused' };

  it('fails an unreachable database', async () => {
    expect(finding(await diagnose(db), 'database')?.status).toBe('fail');
  });

  it('gives a fix for an unreachable database', async () => {
    expect(finding(await diagnose(db), 'database')?.fix).toContain('DATABASE_URL');
  });

  it('fails an unverified identity', async () => {
    ses.state.identities['example.org']!.VerifiedForSendingStatus = false;
    expect(finding(await diagnose(db), 'sending identity')?.status).toBe('fail');
  });

  it('fails an unknown identity', async () => {
    ses.state.identities = {};
    expect(finding(await diagnose(db), 'sending identity')?.message).toContain('example.org');
  });

  it('fails pending dkim', async () => {
    ses.state.identities['example.org']!.DkimAttributes = { SigningEnabled: true, Status: 'PENDING' };
    expect(finding(await diagnose(db), 'DKIM')?.status).toBe('fail');
  });

  it('warns about the sandbox', async () => {
    ses.state.account.ProductionAccessEnabled = false;
    expect(finding(await diagnose(db), 'SES account')?.status).toBe('warn');
  });

  it('fails paused sending', async () => {
    ses.state.account.SendingEnabled = false;
    expect(finding(await diagnose(db), 'SES account')?.status).toBe('fail');
  });

  it('reports the send quota', async () => {
    expect(finding(await diagnose(db), 'send quota')?.message).toContain('14 per second');
  });

  it('warns about a rate above the account', async () => {
    const findings = await diagnose(db, productionEnv({ SES_MAX_SEND_RATE: '50' }));
    expect(finding(findings, 'send rate')?.status).toBe('warn');
  });

  it('fails a topic the webhook rejects', async () => {
    const findings = await diagnose(db, productionEnv({ SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:other' }));
    expect(finding(findings, 'SNS topic')?.status).toBe('fail');
  });

  it('fails a set without complaint events', async () => {
    ses.state.configurationSets.gazette![0]!.MatchingEventTypes = ['BOUNCE'];
    expect(finding(await diagnose(db), 'configuration set')?.message).toContain('complaint');
  });

  it('fails a missing configuration set', async () => {
    ses.state.configurationSets = {};
    expect(finding(await diagnose(db), 'configuration set')?.status).toBe('fail');
  });

  it('fails a public url without https', async () => {
    const findings = await diagnose(db, productionEnv({ PUBLIC_URL: 'http://news.example.org' }));
    expect(finding(findings, 'public URL')?.status).toBe('fail');
  });

  it('fails the demo postal address', async () => {
    const findings = await diagnose(db, productionEnv({ ORG_POSTAL_ADDRESS: undefined }));
    expect(finding(findings, 'postal address')?.status).toBe('fail');
  });

  it('fails an unreachable ses', async () => {
    ses.state.account = undefined as never;
    const broken = await startFakeSes();
    await broken.close();
    const findings = await diagnose(db, productionEnv({ SES_ENDPOINT: broken.url }));
    expect(finding(findings, 'SES credentials')?.status).toBe('fail');
  });

  it('prints each fix', async () => {
    const findings = await diagnose(db, productionEnv({ PUBLIC_URL: 'http://news.example.org' }));
    expect(formatFindings(findings)).toContain('fix: Set PUBLIC_URL');
  });
});
