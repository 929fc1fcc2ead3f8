/** The nats.js services convention for error replies; both ends of a request read these names. */
export {
  ServiceErrorCodeHeader as SERVICE_ERROR_CODE_HEADER,
  ServiceErrorHeader as SERVICE_ERROR_HEADER,
} from '@nats-io/services';
