/**
 * A fake SES v2 endpoint on 127.0.0.1 answering the account, identity and configuration-set
 * reads `gazette doctor` makes, from a state the test sets.
 */
import { createServer, type Server } from 'node:http';

export interface FakeSesState {
  account: Record<string, unknown>;
  /** Identities by name (address or domain); a missing one answers NotFoundException. */
  identities: Record<string, Record<string, unknown>>;
  /** Event destinations by configuration set name; a missing set answers NotFoundException. */
  configurationSets: Record<string, Array<Record<string, unknown>>>;
}

export interface FakeSes {
  url: string;
  state: FakeSesState;
  requests: string[];
  close(): Promise<void>;
}

export function healthyState(): FakeSesState {
  return {
    account: {
      SendingEnabled: true,
      ProductionAccessEnabled: true,
      SendQuota: { Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 1200 },
    },
    identities: {
      'example.org': {
        IdentityType: 'DOMAIN',
        VerifiedForSendingStatus: true,
        DkimAttributes: { SigningEnabled: true, Status: 'SUCCESS' },
      },
    },
    configurationSets: {
      gazette: [
        {
          Name: 'to-sns',
          Enabled: true,
          MatchingEventTypes: ['BOUNCE', 'COMPLAINT', 'DELIVERY'],
          SnsDestination: { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:gazette-feedback' },
        },
      ],
    },
  };
}

export async function startFakeSes(state: FakeSesState = healthyState()): Promise<FakeSes> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = decodeURIComponent(request.url ?? '');
    requests.push(`${request.method} ${url}`);
    const json = (status: number, body: unknown, errorType?: string) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      response.end(JSON.stringify(body));
    };
    const notFound = (what: string) => json(404, { message: `${what} does not exist.` }, 'NotFoundException');
    let match: RegExpMatchArray | null;
    if (url === '/v2/email/account') return json(200, fake.state.account);
    if ((match = url.match(/^\/v2\/email\/identities\/([^/?]+)$/))) {
      const identity = fake.state.identities[match[1]!];
      return identity ? json(200, identity) : notFound(`Identity ${match[1]}`);
    }
    if ((match = url.match(/^\/v2\/email\/configuration-sets\/([^/?]+)\/event-destinations$/))) {
      const destinations = fake.state.configurationSets[match[1]!];
      return destinations ? json(200, { EventDestinations: destinations }) : notFound(`Configuration set ${match[1]}`);
    }
    return notFound(url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const fake: FakeSes = {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
}
