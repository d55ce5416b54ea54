/*
 * auth-flow.ts — the authentication exchange after the startup packet, as pg-gateway shapes it:
 * an initial request, a handler per client message, and a completed flag. Only the message layer
 * is here; the cryptography is scram.ts's.
 *
 *   trust           completed at once: nothing is asked
 *
 *   scram-sha-256   ──► AuthenticationSASL [SCRAM-SHA-256]
 *                   ◄── SASLInitialResponse (client-first)    credentials may still be deriving:
 *                   ──► AuthenticationSASLContinue              Pending until they are
 *                   ◄── SASLResponse (client-final)           wrong proof / unknown user: 28P01
 *                   ──► AuthenticationSASLFinal               completed
 *
 * A user's credentials are asked for when the flow is created, so their (slow, off-loop) PBKDF2
 * overlaps the round trip to the client.
 *
 * Interface:
 *   createAuthFlow(setup, user)     null for trust
 *   flow.initialMessage(out)        the first Authentication request
 *   flow.handleClientMessage(r, out, isClosed)   one 'p' message: Pending
 *   flow.completed                  the client proved who it is
 */
import type { AuthSetup } from './connection-host.js';
import { decodeSASLInitialResponse } from './frontend-messages.js';
import type { FieldReader } from './message-reader.js';
import type { MessageWriter } from './message-writer.js';
import { AuthCode } from './messages.js';
import type { Pending } from './portal.js';
import { SCRAM_SHA_256, ScramExchange, type ScramAuthenticator, type ScramCredentials } from './scram.js';

export interface AuthFlow {
  readonly completed: boolean;
  initialMessage(out: MessageWriter): void;
  handleClientMessage(r: FieldReader, out: MessageWriter, isClosed: () => boolean): Pending;
}

/** The exchange `setup` asks of `user`; null when nothing is asked (trust). */
export function createAuthFlow(setup: AuthSetup, user: string): AuthFlow | null {
  return setup.method === 'trust' ? null : new ScramAuthFlow(setup.scram, user);
}

class ScramAuthFlow implements AuthFlow {
  completed = false;
  private readonly credentials: Promise<ScramCredentials>;
  private exchange: ScramExchange | null = null;

  constructor(
    scram: ScramAuthenticator,
    private readonly user: string,
  ) {
    this.credentials = scram.credentials(user);
  }

  initialMessage(out: MessageWriter): void {
    out.authentication(AuthCode.SASL, SCRAM_SHA_256);
  }

  handleClientMessage(r: FieldReader, out: MessageWriter, isClosed: () => boolean): Pending {
    if (this.exchange === null) {
      const first = decodeSASLInitialResponse(r);
      return this.credentials.then((creds) => {
        if (isClosed()) return;
        this.exchange = new ScramExchange(this.user, creds);
        out.authentication(AuthCode.SASLContinue, this.exchange.clientFirst(first.mechanism, first.data));
      });
    }
    const serverFinal = this.exchange.clientFinal(r.rest());
    out.authentication(AuthCode.SASLFinal, serverFinal);
    this.completed = true;
    return undefined;
  }
}
