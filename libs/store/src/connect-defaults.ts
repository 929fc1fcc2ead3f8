/** MONGO_TIMEOUT_MS's default: the gateway's request timeout (past it the caller has had its 504). */
export const DEFAULT_MONGO_TIMEOUT_MS = 5_000;
