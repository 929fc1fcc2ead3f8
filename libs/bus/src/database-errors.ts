/**
 * MongoDB driver errors that mean "the database is not answering (in time)", told apart by their
 * class name and server code so that this library needs no `mongodb` dependency. A handler that
 * meets one answers 503 naming its service's database: the request was fine, a dependency is down.
 */
const UNAVAILABLE_NAMES: ReadonlySet<string> = new Set([
  'MongoServerSelectionError', // no server answered within serverSelectionTimeoutMS
  'MongoNetworkError', // the connection broke
  'MongoNetworkTimeoutError', // no answer within socketTimeoutMS (or connectTimeoutMS)
  'MongoOperationTimeoutError', // the driver's own operation deadline
  'MongoWaitQueueTimeoutError', // no pooled connection free within waitQueueTimeoutMS
  'MongoPoolClearedError', // the pool was reset after a network error
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError', // the client is closing (shutdown)
  'MongoTopologyClosedError',
  'MongoClientClosedError',
  'MongoNotConnectedError',
  'MongoServerClosedError',
]);

/**
 * Server codes of the same meaning: the server gave up on time (50 MaxTimeMSExpired, 262
 * ExceededTimeLimit, 89 NetworkTimeout) or is stepping down or shutting down.
 */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([50, 262, 89, 91, 189, 10107, 11600, 11602, 13435]);

/** How many `cause` links are followed: a repository may wrap the driver's error once or twice. */
const MAX_CAUSES = 3;

export function isDatabaseUnavailable(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth <= MAX_CAUSES && current instanceof Error; depth++) {
    const name = current.name;
    if (UNAVAILABLE_NAMES.has(name)) return true;
    const code = (current as { code?: unknown }).code;
    if (name.startsWith('Mongo') && typeof code === 'number' && UNAVAILABLE_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}
