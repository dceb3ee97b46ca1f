/**
 * The embedded SES endpoint (the `aws-ses-v2-local` package), started by `gazette serve` when no
 * SES endpoint or AWS credentials are configured. Its web viewer shows every message sent.
 */
import type { Server } from 'node:http';

export interface LocalSes {
  url: string;
  close(): Promise<void>;
}

/** Starts the local SES on 127.0.0.1:`port` with a generous account quota. */
export async function startLocalSes(port: number): Promise<LocalSes> {
  // The account call answers 400 unless this is set; these figures mimic a production account.
  process.env.AWS_SES_ACCOUNT ??= JSON.stringify({
    SendQuota: { Max24HourSend: 1_000_000, MaxSendRate: 100, SentLast24Hours: 0 },
    ProductionAccessEnabled: true,
    SendingEnabled: true,
  });
  const { default: start } = await import('aws-ses-v2-local');
  const server: Server = await start({ host: '127.0.0.1', port });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
