import { type Caller, forbidden, isSelf, isService, quote } from '@im/contracts';

/**
 * A signature lets its holder act as `client_id` at the IM provider, so it is handed only to that
 * client itself, or to a service (a trusted backend acting for its users).
 */
export function assertMaySignFor(caller: Caller, clientId: string): void {
  if (isSelf(caller, clientId) || isService(caller)) return;
  throw forbidden(
    'client_id',
    `${quote(clientId)} is not the caller; only a service may sign for another client`,
  );
}
