/** The client's IP address, wherever Gazette runs: at the edge, behind a reverse proxy or directly. */
import type { Context } from 'hono';

/**
 * Returns the client's IP for the consent log and the rate limit. Cloudflare sets
 * `CF-Connecting-IP`; under Node the socket address is used, and `X-Forwarded-For` only when the
 * socket is a loopback or private address (a reverse proxy in front of Gazette).
 */
export function clientIp(c: Context): string | null {
  const cloudflare = c.req.header('cf-connecting-ip');
  if (cloudflare) return cloudflare;
  const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
  const forwarded = c.req.header('x-forwarded-for')?.split(',').map((part) => part.trim()).filter(Boolean);
  const behindProxy = socket === undefined || /^(::1|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::ffff:127\.|fc|fd)/.test(socket);
  if (behindProxy && forwarded && forwarded.length > 0) return forwarded[forwarded.length - 1]!;
  return socket ?? null;
}
