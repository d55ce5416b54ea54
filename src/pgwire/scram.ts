/*
 * scram.ts — the server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL speaks it
 * inside AuthenticationSASL / SASLContinue / SASLFinal.
 *
 * What for: password authentication without the password crossing the wire, with the drivers'
 * default mechanism. Hand-written on node:crypto (PBKDF2, HMAC, SHA-256): a few dozen lines, no
 * dependency.
 *
 * Like PostgreSQL: the user name inside the SCRAM message is ignored (the startup packet's user
 * counts); an unknown user gets a mock exchange with a salt derived from the name and a per-server
 * secret, failing at the end with the same message as a wrong password, so the two cannot be told
 * apart from outside; iterations 4096 (scram_iterations' default).
 *
 * Left out: channel binding (SCRAM-SHA-256-PLUS is not offered, so clients send "n" or "y"),
 * authzid, SASLprep of the password (passwords are used as their UTF-8 bytes; identical for ASCII).
 * Verifiers are derived from the configured plaintext once per user, on first use, off the event
 * loop (async PBKDF2), and cached.
 *
 * Interface:
 *   new ScramAuthenticator(users, iterations?)   users: name → password
 *   credentials(user)                              Promise of salt/iterations/storedKey/serverKey
 *   new ScramExchange(user, credentials)
 *   clientFirst(mechanism, data) → server-first-message   (08P01 when malformed)
 *   clientFinal(data) → server-final-message              (28P01 on a wrong proof)
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SqlError } from '../errors.js';
import { SQLSTATE } from './sqlstate.js';

export const SCRAM_SHA_256 = 'SCRAM-SHA-256';
const pbkdf2Async = promisify(pbkdf2);

export interface ScramCredentials {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  /** True for the stand-in of an unknown user: the exchange always fails at the end. */
  readonly mock: boolean;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

export class ScramAuthenticator {
  private readonly cache = new Map<string, Promise<ScramCredentials>>();
  /** Per-server secret for mock salts: stable within a process, unguessable from outside. */
  private readonly mockSecret = randomBytes(32);

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly iterations = 4096,
  ) {}

  credentials(user: string): Promise<ScramCredentials> {
    const password = this.users.get(user);
    if (password === undefined) {
      const salt = createHmac('sha256', this.mockSecret).update(user).digest().subarray(0, 16);
      return Promise.resolve({ salt, iterations: this.iterations, storedKey: randomBytes(32), serverKey: randomBytes(32), mock: true });
    }
    let c = this.cache.get(user);
    if (c === undefined) {
      c = derive(password, randomBytes(16), this.iterations);
      this.cache.set(user, c);
    }
    return c;
  }
}

async function derive(password: string, salt: Buffer, iterations: number): Promise<ScramCredentials> {
  const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return { salt, iterations, storedKey: sha256(clientKey), serverKey: hmac(salted, 'Server Key'), mock: false };
}

function malformed(detail: string): SqlError {
  return new SqlError(SQLSTATE.protocol_violation, 'malformed SCRAM message', { severity: 'FATAL', detail });
}

/** Printable ASCII except ',' (RFC 5802 "printable"). */
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

export class ScramExchange {
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(
    private readonly user: string,
    private readonly creds: ScramCredentials,
  ) {}

  /** SASLInitialResponse: returns the server-first-message for AuthenticationSASLContinue. */
  clientFirst(mechanism: string, data: Buffer): string {
    if (mechanism !== SCRAM_SHA_256) {
      throw new SqlError(SQLSTATE.protocol_violation, 'client selected an invalid SASL authentication mechanism', { severity: 'FATAL' });
    }
    const msg = data.toString('utf8');
    const flag = msg[0];
    if (flag === 'p') throw malformed('The client selected SCRAM-SHA-256-PLUS, but the server did not offer it.');
    if ((flag !== 'n' && flag !== 'y') || msg[1] !== ',') throw malformed('Unexpected channel-binding flag.');
    const authzEnd = msg.indexOf(',', 2);
    if (authzEnd < 0) throw malformed('Missing end of GS2 header.');
    if (authzEnd !== 2) {
      throw new SqlError(SQLSTATE.feature_not_supported, 'client uses authorization identity, but it is not supported', { severity: 'FATAL' });
    }
    this.gs2Header = msg.slice(0, 3);
    this.clientFirstBare = msg.slice(3);
    const attrs = this.clientFirstBare.split(',');
    if (attrs[0]?.startsWith('m=')) {
      throw new SqlError(SQLSTATE.feature_not_supported, 'client requires an unsupported SCRAM extension', { severity: 'FATAL' });
    }
    if (attrs[0]?.startsWith('n=') !== true) throw malformed('Expected attribute "n".');
    const r = attrs[1];
    if (r?.startsWith('r=') !== true || !NONCE.test(r.slice(2))) throw malformed('Expected attribute "r" with a printable nonce.');
    this.nonce = r.slice(2) + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.creds.salt.toString('base64')},i=${this.creds.iterations}`;
    return this.serverFirst;
  }

  /** SASLResponse: returns the server-final-message for AuthenticationSASLFinal, or throws 28P01. */
  clientFinal(data: Buffer): string {
    const msg = data.toString('utf8');
    const proofAt = msg.lastIndexOf(',p=');
    if (proofAt < 0) throw malformed('Could not find proof in client-final-message.');
    const withoutProof = msg.slice(0, proofAt);
    const attrs = withoutProof.split(',');
    const c = attrs[0];
    const r = attrs[1];
    if (c?.startsWith('c=') !== true) throw malformed('Expected attribute "c".');
    if (Buffer.from(c.slice(2), 'base64').toString('utf8') !== this.gs2Header) {
      throw malformed('SCRAM channel binding check failed.');
    }
    if (r?.startsWith('r=') !== true) throw malformed('Expected attribute "r".');
    if (r.slice(2) !== this.nonce) throw malformed('Nonce does not match.');
    const proof = Buffer.from(msg.slice(proofAt + 3), 'base64');
    if (proof.length !== 32) throw malformed('Malformed proof in client-final-message.');

    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.creds.storedKey, authMessage);
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const ok = timingSafeEqual(sha256(clientKey), this.creds.storedKey);
    if (!ok || this.creds.mock) throw passwordFailed(this.user);
    return `v=${hmac(this.creds.serverKey, authMessage).toString('base64')}`;
  }
}

export function passwordFailed(user: string): SqlError {
  return new SqlError(SQLSTATE.invalid_password, `password authentication failed for user "${user}"`, { severity: 'FATAL' });
}
