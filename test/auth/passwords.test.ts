import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/auth/passwords.ts';

describe('passwords', () => {
  it('verify accepts the hashed password', async () => {
    const stored = await hashPassword('a long enough password');
    expect(await verifyPassword('a long enough password', stored)).toBe(true);
  });

  it('verify refuses another password', async () => {
    const stored = await hashPassword('a long enough password');
    expect(await verifyPassword('a long enough passwore', stored)).toBe(false);
  });

  it('hash names scrypt and its cost', async () => {
    expect(await hashPassword('a long enough password')).toMatch(/^scrypt\$15\$8\$1\$/);
  });

  it('hash is salted', async () => {
    expect(await hashPassword('same password here')).not.toBe(await hashPassword('same password here'));
  });

  it('verify refuses a malformed hash', async () => {
    expect(await verifyPassword('anything at all', 'plain-text')).toBe(false);
  });

  it('short password is a problem', () => {
    expect(passwordProblem('short')).toMatch(/12 characters/);
  });
});
