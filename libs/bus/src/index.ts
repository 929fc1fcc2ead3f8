export { type BusSettings, closeBus, connectBus, type NatsConnection } from './connect.js';
export { isDatabaseUnavailable } from './database-errors.js';
export { EncodedReply } from './encoded-reply.js';
export { headerValue } from './header-value.js';
export { announceReady, onShutdown, runMain } from './lifecycle.js';
export { type LoggableError, loggableError } from './loggable-error.js';
export { type ReplyBytes, RequestClient, type RequestClientOptions } from './request-client.js';
export { busUnavailable } from './request-errors.js';
export { isSafeRequestId, REQUEST_ID_PATTERN } from './request-id.js';
export {
  DEFAULT_MAX_IN_FLIGHT,
  defineEndpoint,
  type Endpoint,
  type HandlerContext,
  type RunningService,
  type ServiceSettings,
  startService,
} from './service.js';
export { ServiceClient, type ServiceClientOptions } from './service-client.js';
export { SERVICE_ERROR_CODE_HEADER, SERVICE_ERROR_HEADER } from './service-error-headers.js';
export { toAppError } from './to-app-error.js';
