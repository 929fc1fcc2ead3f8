import {
  AppError,
  type Caller,
  callerFromHeader,
  FIELD_RULES,
  forbidden,
  invalidParameter,
  unauthenticated,
} from '@im/contracts';
import type { FastifyRequest } from 'fastify';

/** The longest ticket looked up (the query schema's own bound): hashing is not free either. */
const MAX_TICKET_LENGTH = 128;

/**
 * `?ticket=` in place of a bearer token, for browsers (an EventSource cannot send one). A route
 * hook that runs after the token hook and before the rate limit, so that a redeemed ticket
 * counts against its issuer and a refused one against the address, as a refused token does.
 * With a token as well, the token decides and the handler refuses the pair; refusals are left in
 * `authRefusal` for the auth plugin to answer.
 */
export async function ticketAuth(request: FastifyRequest): Promise<void> {
  if (request.headers.authorization !== undefined) return;
  const { ticket } = request.query as { ticket?: unknown };
  if (ticket === undefined) return;
  if (typeof ticket !== 'string' || ticket.length === 0 || ticket.length > MAX_TICKET_LENGTH) {
    request.authRefusal = invalidParameter('ticket', FIELD_RULES.ticket ?? 'is invalid');
    return;
  }
  try {
    const redeemed = await request.server.tickets.redeem(ticket);
    const { client_id: clientId } = request.params as { client_id?: unknown };
    if (redeemed.clientId !== clientId) {
      request.authRefusal = forbidden('client_id', 'the ticket is for the stream of another client');
      return;
    }
    const caller = callerOf(redeemed.callerHeader);
    if (!caller) {
      request.authRefusal = unauthenticated('ticket', 'unknown, already used or expired; take a new one');
      return;
    }
    request.caller = caller;
    request.callerHeader = redeemed.callerHeader;
    request.credentialExpiresAt = redeemed.callerExpiresAt;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    request.authRefusal = error;
  }
}

/** The issuer as the ticket recorded it (an `Im-Caller` value the gateway encoded itself). */
function callerOf(header: string): Caller | undefined {
  try {
    const caller = callerFromHeader(JSON.parse(header));
    return typeof caller === 'string' ? undefined : caller;
  } catch {
    return undefined;
  }
}
