export { type BusSettings, closeBus, connectBus, type NatsConnection } from './connect.js';
export { InFlight } from './in-flight.js';
export { announceReady, onShutdown, runMain } from './lifecycle.js';
export { type ReplyBytes, RequestClient, type RequestClientOptions } from './request-client.js';
export {
  defineEndpoint,
  type Endpoint,
  type HandlerContext,
  type RunningService,
  type ServiceSettings,
  startService,
  toAppError,
} from './service.js';
export { SERVICE_ERROR_CODE_HEADER, SERVICE_ERROR_HEADER } from './service-error-headers.js';
