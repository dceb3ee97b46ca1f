/**
 * Signed links in mail: confirmation (expires), unsubscribe and preferences (never expire).
 * One place builds them, so pages, senders and digests agree on their payloads.
 */
import type { Signer } from '../auth/signing.ts';

export interface ConfirmPayload {
  /** Subscriber id. */
  s: string;
  /** List ids to confirm. */
  l: string[];
}

export interface UnsubscribePayload {
  /** Subscriber id. */
  s: string;
  /** List ids the message was sent for; empty means every list. */
  l: string[];
  /** Campaign id, when the link came in an issue or digest. */
  c?: string;
}

export interface PreferencesPayload {
  s: string;
}

export const tokenPurpose = {
  confirm: 'confirm',
  unsubscribe: 'unsubscribe',
  preferences: 'preferences',
} as const;

/** Returns the confirmation URL for a subscriber's pending lists, valid for `ttlHours`. */
export async function confirmUrl(
  signer: Signer,
  publicUrl: string,
  payload: ConfirmPayload,
  ttlHours: number,
  now = new Date(),
): Promise<string> {
  const token = await signer.sign(tokenPurpose.confirm, payload, { ttlSeconds: ttlHours * 3600, now });
  return `${publicUrl}/confirm/${token}`;
}

/** Returns the one-click unsubscribe URL (also the `List-Unsubscribe` target). */
export async function unsubscribeUrl(signer: Signer, publicUrl: string, payload: UnsubscribePayload): Promise<string> {
  return `${publicUrl}/unsubscribe/${await signer.sign(tokenPurpose.unsubscribe, payload)}`;
}

/** Returns the preference centre URL. */
export async function preferencesUrl(signer: Signer, publicUrl: string, subscriberId: string): Promise<string> {
  const payload: PreferencesPayload = { s: subscriberId };
  return `${publicUrl}/preferences/${await signer.sign(tokenPurpose.preferences, payload)}`;
}
