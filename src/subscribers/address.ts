/**
 * Email addresses: one place normalises and validates them.
 *
 * The rule is the WHATWG `input type=email` one (the HTML standard's "valid email address"),
 * applied after the browser's value sanitisation (leading and trailing whitespace removed), with
 * one exception that browsers also make: an internationalised domain is converted to its ASCII
 * (A-label) form and then validated. A non-ASCII local part is rejected because Amazon SES does
 * not accept one. The local part keeps its case and any `+tag`; the domain is lower-cased.
 * Uniqueness is case-insensitive on the whole address (the `lower(email)` index).
 */
import punycode from 'punycode.js';

/** The WHATWG "valid email address" production, as a regular expression. */
const whatwgEmail =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** ASCII whitespace as the HTML standard defines it (tab, LF, FF, CR, space). */
const edgeWhitespace = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;

// Characters that would make `new URL('http://' + domain)` read something other than a host.
const urlDelimiters = /[/?#@:[\]\\%\s]/;

export type AddressProblem = 'empty' | 'invalid' | 'non_ascii_local_part' | 'too_long';

export type AddressResult =
  | { ok: true; email: string; display: string }
  | { ok: false; problem: AddressProblem; message: string };

const messages: Record<AddressProblem, string> = {
  empty: 'expected an email address',
  invalid: 'expected an email address such as name@example.org',
  non_ascii_local_part: 'the part before @ must use ASCII characters only',
  too_long: 'the address is longer than 254 characters',
};

/**
 * Normalises and validates an address. Returns the stored form (`email`, ASCII) and the form to
 * show people (`display`, the domain in Unicode), or the problem.
 *
 * @example
 *   normaliseAddress(' Jane+news@EXÄMPLE.org ') // { ok: true, email: 'Jane+news@xn--exmple-cua.org', display: 'Jane+news@exämple.org' }
 */
export function normaliseAddress(input: string): AddressResult {
  const trimmed = input.replace(edgeWhitespace, '');
  if (trimmed === '') return failure('empty');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return failure('invalid');
  const local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);

  if (!isAscii(local)) return failure('non_ascii_local_part');
  if (!isAscii(domain)) {
    const ascii = domainToAscii(domain);
    if (ascii === undefined) return failure('invalid');
    domain = ascii;
  }
  domain = domain.toLowerCase();

  const email = `${local}@${domain}`;
  if (!whatwgEmail.test(email)) return failure('invalid');
  if (email.length > 254) return failure('too_long');
  return { ok: true, email, display: displayAddress(email) };
}

/** Returns true when `input` normalises to a valid address. */
export function isValidAddress(input: string): boolean {
  return normaliseAddress(input).ok;
}

/** Returns the address with its domain in Unicode, for pages and mail people read. */
export function displayAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0 || !/(^|\.)xn--/i.test(email.slice(at + 1))) return email;
  try {
    return `${email.slice(0, at)}@${punycode.toUnicode(email.slice(at + 1))}`;
  } catch {
    return email;
  }
}

/** Returns the lower-cased whole address, the key uniqueness and suppression use. */
export function addressKey(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Converts an internationalised domain to ASCII with the URL parser's IDNA processing (UTS #46,
 * the same mapping browsers apply to `input type=email`), which also runs at the edge.
 */
function domainToAscii(domain: string): string | undefined {
  if (urlDelimiters.test(domain)) return undefined;
  try {
    const host = new URL(`http://${domain}`).hostname;
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

function failure(problem: AddressProblem): AddressResult {
  return { ok: false, problem, message: messages[problem] };
}
