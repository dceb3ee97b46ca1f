/**
 * A stand-in for Amazon SNS in tests: a key pair and a self-signed certificate made here, an
 * envelope signer that follows SNS's string-to-sign rules, and a fetch function that serves the
 * certificate and records SubscribeURL calls without touching the network.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import type { SnsFetch } from '../../src/feedback/sns.ts';
import { stringToSign, type SnsEnvelope } from '../../src/feedback/sns.ts';

export const TEST_TOPIC_ARN = 'arn:aws:sns:us-west-2:123456789012:MyTopic';
export const TEST_CERT_URL = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-test.pem';

/** Makes a key pair and a self-signed PEM certificate for it, valid from a day ago for a year. */
export function createSigningIdentity(): { privateKey: KeyObject; certificatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  const name = new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: 'sns.test.invalid' }) }),
    ]),
  ]);
  const algorithm = new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null });
  const now = Date.now();
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array([1, 2, 3]).buffer,
    signature: algorithm,
    issuer: name,
    validity: new Validity({
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 365 * 86_400_000),
    }),
    subject: name,
    subjectPublicKeyInfo: spki,
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signatureValue = sign('sha256', tbsDer, privateKey);
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: new Uint8Array(signatureValue).buffer,
  });
  const der = Buffer.from(AsnConvert.serialize(certificate)).toString('base64');
  const lines = der.match(/.{1,64}/g)!.join('\n');
  return { privateKey, certificatePem: `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n` };
}

/** Signs an envelope as SNS does, with SignatureVersion 1 (SHA-1) or 2 (SHA-256). */
export function signEnvelope(
  fields: Omit<SnsEnvelope, 'Signature' | 'SignatureVersion' | 'SigningCertURL'> & { SigningCertURL?: string },
  privateKey: KeyObject,
  version: '1' | '2' = '1',
): SnsEnvelope {
  const envelope = { SigningCertURL: TEST_CERT_URL, ...fields, SignatureVersion: version, Signature: '' } as SnsEnvelope;
  envelope.Signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(stringToSign(envelope)), privateKey).toString('base64');
  return envelope;
}

/** Wraps an SES notification in a signed Notification envelope. */
export function notificationEnvelope(
  message: unknown,
  privateKey: KeyObject,
  options: { messageId?: string; version?: '1' | '2'; topicArn?: string; certUrl?: string } = {},
): SnsEnvelope {
  return signEnvelope(
    {
      Type: 'Notification',
      MessageId: options.messageId ?? crypto.randomUUID(),
      TopicArn: options.topicArn ?? TEST_TOPIC_ARN,
      Message: typeof message === 'string' ? message : JSON.stringify(message),
      Timestamp: '2026-01-01T00:00:00.000Z',
      UnsubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe',
      ...(options.certUrl ? { SigningCertURL: options.certUrl } : {}),
    },
    privateKey,
    options.version ?? '1',
  );
}

export interface FakeSns {
  fetch: SnsFetch;
  /** Every URL fetched, in order. */
  calls: string[];
}

/** A fetch that serves `certificatePem` at any .pem URL and returns 200 for any other URL. */
export function fakeSnsFetch(certificatePem: string): FakeSns {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (url) => {
      calls.push(url);
      if (new URL(url).pathname.endsWith('.pem')) return new Response(certificatePem, { status: 200 });
      return new Response('<ConfirmSubscriptionResponse/>', { status: 200 });
    },
  };
}
