import { CALLER_HEADER, type Caller, forbidden, isService, quote } from '@im/contracts';

/**
 * Deliveries are read by services only. They say which student got which class's notifications:
 * the service that owns the push or the student (broadcast) decides who may see that, then asks.
 */
export function assertServiceCaller(caller: Caller): void {
  if (isService(caller)) return;
  throw forbidden(CALLER_HEADER, `${quote(caller.sub)} is not a service; only services may read deliveries`);
}
