export { type CommandWatch, watchCommands } from './command-watch.js';
export { uniqueDbName, withDbName } from './db-name.js';
export { ProcessStartError, TestkitError } from './errors.js';
export { buildFerretdb, ferretdbArgs } from './ferretdb.js';
export { freePort, isPortFree } from './free-port.js';
export { type MongoHandle, type StartMongoOptions, startMongo } from './mongo.js';
export { mongoAnswers } from './mongo-ping.js';
export { type NatsHandle, type StartNatsOptions, startNats } from './nats.js';
export { findOnPath, type Probe } from './probe.js';
export { type ChildHandle, type StartProcessOptions, startProcess } from './process.js';
export { isReadyLogLine, type ReadyCheck } from './ready.js';
export { repoRoot } from './repo-root.js';
export { describeRestart, formatDelay, type RestartEvent } from './restart-event.js';
export {
  DEFAULT_RESTART_POLICY,
  type NextRestart,
  RestartBackoff,
  type RestartPolicy,
  restartPolicy,
} from './restart-policy.js';
export { type Stack, type StackOptions, startStack } from './stack.js';
export { GATEWAY, GATEWAY_NODE_ARGS, STACK_SERVICES, type StackService } from './stack-services.js';
export { readStreamMessages, type StreamMessage } from './stream-messages.js';
export { makeTempDir, removeTempDir } from './temp-dir.js';
export { bearer, type MintOptions, mintToken, newAuthSecret, type TokenClaims } from './tokens.js';
export { pollUntil, sleep, tcpReachable } from './wait.js';
