export { type CommandWatch, watchCommands } from './command-watch.js';
export { uniqueDbName, withDbName } from './db-name.js';
export { ProcessStartError, TestkitError } from './errors.js';
export { buildFerretdb, ferretdbArgs, ferretdbEnv } from './ferretdb.js';
export { freePort, isPortFree } from './free-port.js';
export { type LocalServers, startLocalCluster, startLocalServers } from './local-servers.js';
export { type MongoHandle, type StartMongoOptions, startMongo } from './mongo.js';
export { type MongoCopies, type MongoDatabase, startMongoCopies, startMongoDb } from './mongo-copies.js';
export { mongoAnswers } from './mongo-ping.js';
export { type NatsHandle, type StartNatsOptions, startNats } from './nats.js';
export {
  type NatsCluster,
  type NatsClusterNode,
  type StartNatsClusterOptions,
  startNatsCluster,
} from './nats-cluster.js';
export { findNatsServer, natsServerVersion } from './nats-server-binary.js';
export { findOnPath, type Probe } from './probe.js';
export { type ChildHandle, type StartProcessOptions, startProcess } from './process.js';
export {
  type Allowlist,
  type AllowlistReport,
  checkAllowlist,
  classifyFerretdb,
  classifyMongodb,
  type ExplainedShape,
  ferretdbExplainable,
  type PlanVerdict,
  type ServerKind,
  type StaleEntry,
  shapeTable,
} from './query-plans.js';
export {
  type QueryShapeRecorder,
  type RecordedShape,
  type RecordQueryShapesOptions,
  recordQueryShapes,
  serverKind,
} from './query-recorder.js';
export {
  bsonTypeOf,
  type FilterShape,
  filterShape,
  type QueryShape,
  renderShape,
  SHAPED_COMMANDS,
  type ShapedStatement,
  type ShapeKind,
  type ShapeValue,
  shapeKey,
  shapesOfCommand,
  sortShape,
} from './query-shapes.js';
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
export { type RunOnceOptions, runOnce } from './run-once.js';
export { type Stack, type StackOptions, startStack } from './stack.js';
export { type StackCopies, type StackCopiesOptions, seedsFrom, startStackCopies } from './stack-copies.js';
export {
  GATEWAY,
  GATEWAY_NODE_ARGS,
  STACK_SERVICES,
  STACK_SETUP,
  type StackService,
  type StackSetup,
} from './stack-services.js';
export { readStreamMessages, type StreamMessage } from './stream-messages.js';
export { makeTempDir, removeTempDir } from './temp-dir.js';
export { bearer, type MintOptions, mintToken, newAuthSecret, type TokenClaims } from './tokens.js';
export { pollUntil, sleep, tcpReachable } from './wait.js';
