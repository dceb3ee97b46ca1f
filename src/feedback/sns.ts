/**
 * Amazon SNS HTTP(S) deliveries: reading the envelope and verifying its signature.
 *
 * SNS signs a canonical string built from a fixed set of envelope fields per message type: each
 * field name and value on its own line, in byte order of the names. The SNS developer guide
 * calls it the "string to sign" ("Verifying the signatures of Amazon SNS messages").
 * SignatureVersion 1 signs it with RSA PKCS#1 v1.5 over SHA-1, version 2 over SHA-256.
 * The signing certificate is fetched from `SigningCertURL`, which must be an HTTPS URL on
 * `sns.<region>.amazonaws.com` in the topic's own region; nothing else is fetched.
 *
 * Verification runs on Web Crypto with the public key read from the certificate
 * (`@peculiar/asn1-x509`), so this module runs on Node and at the edge alike.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** The JSON body SNS posts to an HTTP(S) subscription. */
export interface SnsEnvelope {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
}

/** Fetches a URL. Gazette passes `fetch`, and tests pass a function that responds locally. */
export type SnsFetch = (url: string, init: RequestInit) => Promise<Response>;

/** The reason an envelope was rejected; the webhook logs it and responds with 403. */
export class SnsVerificationError extends Error {
  override name = 'SnsVerificationError';
}

// SignatureVersion 1 is RSA over SHA-1, version 2 RSA over SHA-256.
const signatureHashes = new Map<string, 'SHA-1' | 'SHA-256'>([
  ['1', 'SHA-1'],
  ['2', 'SHA-256'],
]);

const messageTypes: readonly SnsMessageType[] = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'];

// Fields signed per message type, already in byte order of their names.
const notificationFields = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const subscriptionFields = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;

/**
 * Returns the envelope when `body` has the shape of an SNS message, or undefined. Only the
 * fields named in `SnsEnvelope` are kept, and each must be a string.
 */
export function readSnsEnvelope(body: unknown): SnsEnvelope | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  if (!messageTypes.includes(record.Type as SnsMessageType)) return undefined;

  const required = ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL'];
  for (const field of required) {
    if (typeof record[field] !== 'string' || record[field] === '') return undefined;
  }
  const envelope: Record<string, string> = {};
  for (const field of [...required, 'Type', 'Subject', 'Token', 'SubscribeURL', 'UnsubscribeURL']) {
    const value = record[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return undefined;
    envelope[field] = value;
  }
  return envelope as unknown as SnsEnvelope;
}

/** Builds the string SNS signed for this envelope. */
export function stringToSign(envelope: SnsEnvelope): string {
  const fields = envelope.Type === 'Notification' ? notificationFields : subscriptionFields;
  let result = '';
  for (const field of fields) {
    const value = envelope[field];
    // Subject is signed only when the notification has one; the other fields are required.
    if (value === undefined) {
      if (field === 'Subject') continue;
      throw new SnsVerificationError(`The ${envelope.Type} message has no ${field}, which SNS always signs.`);
    }
    result += `${field}\n${value}\n`;
  }
  return result;
}

/** Returns the region of an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`), or undefined. */
export function topicRegion(topicArn: string): string | undefined {
  const match = /^arn:aws:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_.-]+$/.exec(topicArn);
  return match?.[1];
}

/**
 * Checks that a URL SNS gave us (certificate or SubscribeURL) points at SNS itself: HTTPS,
 * host exactly `sns.<region>.amazonaws.com`, no port and no credentials. `region`, when given,
 * must match the host's.
 */
export function assertSnsUrl(value: string, what: string, region?: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SnsVerificationError(`The ${what} is not a URL.`);
  }
  if (url.protocol !== 'https:') throw new SnsVerificationError(`The ${what} is not HTTPS: ${url.protocol}`);
  if (url.username || url.password || url.port) {
    throw new SnsVerificationError(`The ${what} carries credentials or a port.`);
  }
  const host = /^sns\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname);
  if (!host) throw new SnsVerificationError(`The ${what} is not on an SNS host: ${url.hostname}`);
  if (region !== undefined && host[1] !== region) {
    throw new SnsVerificationError(`The ${what} is in region ${host[1]}, not the topic's region ${region}.`);
  }
  return url;
}

export interface SnsVerifierOptions {
  fetch: SnsFetch;
  /** Certificates kept in memory (default 20); SNS uses few. */
  cacheSize?: number;
  now?: () => Date;
}

export interface SnsVerifier {
  /** Resolves when the envelope's signature is valid; throws `SnsVerificationError` otherwise. */
  verify(envelope: SnsEnvelope): Promise<void>;
}

interface CachedCertificate {
  spki: ArrayBuffer;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Creates a verifier that fetches and caches signing certificates. The cache lives as long as
 * the verifier (one per app), so a certificate is fetched once per process, not per message.
 */
export function createSnsVerifier(options: SnsVerifierOptions): SnsVerifier {
  const cacheSize = options.cacheSize ?? 20;
  const certificates = new Map<string, Promise<CachedCertificate>>();
  const now = options.now ?? (() => new Date());

  async function certificateFor(url: URL): Promise<CachedCertificate> {
    const key = url.toString();
    let cached = certificates.get(key);
    if (!cached) {
      cached = fetchCertificate(options.fetch, key);
      certificates.set(key, cached);
      // A failed fetch is not kept, so the next message tries again.
      cached.catch(() => certificates.delete(key));
      if (certificates.size > cacheSize) {
        const oldest = certificates.keys().next().value;
        if (oldest !== undefined) certificates.delete(oldest);
      }
    }
    return cached;
  }

  return {
    async verify(envelope) {
      const hash = signatureHashes.get(envelope.SignatureVersion);
      if (!hash) throw new SnsVerificationError(`Unsupported SignatureVersion ${JSON.stringify(envelope.SignatureVersion)}.`);

      const region = topicRegion(envelope.TopicArn);
      if (!region) throw new SnsVerificationError('The TopicArn is not an SNS topic ARN.');
      const certificateUrl = assertSnsUrl(envelope.SigningCertURL, 'SigningCertURL', region);
      if (!certificateUrl.pathname.endsWith('.pem')) {
        throw new SnsVerificationError('The SigningCertURL does not name a .pem certificate.');
      }

      const signature = decodeBase64(envelope.Signature);
      if (!signature) throw new SnsVerificationError('The Signature is not base64.');

      const certificate = await certificateFor(certificateUrl);
      const at = now();
      if (at < certificate.notBefore || at > certificate.notAfter) {
        throw new SnsVerificationError('The signing certificate is not valid at this time.');
      }
      const key = await crypto.subtle.importKey(
        'spki',
        certificate.spki,
        { name: 'RSASSA-PKCS1-v1_5', hash },
        false,
        ['verify'],
      );
      const data = new TextEncoder().encode(stringToSign(envelope));
      const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, data);
      if (!valid) throw new SnsVerificationError('The signature does not match the message.');
    },
  };
}

async function fetchCertificate(fetcher: SnsFetch, url: string): Promise<CachedCertificate> {
  let response: Response;
  try {
    response = await fetcher(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new SnsVerificationError(`Fetching the signing certificate failed: ${(error as Error).message}`);
  }
  if (response.status !== 200) {
    throw new SnsVerificationError(`Fetching the signing certificate failed with HTTP status ${response.status}.`);
  }
  return parseCertificate(await response.text());
}

/** Reads a PEM certificate and returns its public key (SubjectPublicKeyInfo) and validity. */
export function parseCertificate(pem: string): CachedCertificate {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  const der = match ? decodeBase64(match[1]!.replace(/\s+/g, '')) : undefined;
  if (!der) throw new SnsVerificationError('The signing certificate is not a PEM certificate.');
  let certificate: Certificate;
  try {
    certificate = AsnConvert.parse(der, Certificate);
  } catch (error) {
    throw new SnsVerificationError(`The signing certificate cannot be read: ${(error as Error).message}`);
  }
  const validity = certificate.tbsCertificate.validity;
  return {
    spki: AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo),
    notBefore: validity.notBefore.getTime(),
    notAfter: validity.notAfter.getTime(),
  };
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}
