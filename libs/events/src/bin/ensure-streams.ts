#!/usr/bin/env node
/**
 * Provisions JetStream streams from their definitions in @im/contracts, for the side that owns
 * them. Our services create the streams they publish into; DIRECTORY belongs to the directory
 * (another system), so its side, or an operator, runs this before directory events flow:
 *
 *   NATS_URL=nats://a:4222,nats://b:4222 JETSTREAM_REPLICAS=3 \
 *     node libs/events/dist/bin/ensure-streams.js [--stream DIRECTORY]... [--all] [--replicas N]
 *
 * Default: DIRECTORY only. `--all`: every stream, e.g. to create them all up front with the
 * cluster's replicas. A stream that exists is left as it is (an operator may have tuned it),
 * only its subjects widened to include ours. NATS credentials as for the services (NATS_USER /
 * NATS_PASSWORD, NATS_TOKEN or NATS_CREDS_FILE). Exits 0 once every stream asked for exists.
 */
import { parseArgs } from 'node:util';
import { closeBus, connectBus, runMain } from '@im/bus';
import { CommonConfig, JetStreamConfig, loadConfig, readNatsAuth } from '@im/config';
import { type StreamSpec, Streams } from '@im/contracts';
import { createLogger } from '@im/log';
import { Type } from '@sinclair/typebox';
import { ensureStream, openJetStream } from '../jetstream.js';
import { isStreamMissing } from '../stream-wait.js';

const ALL: readonly StreamSpec[] = Object.values(Streams);

await runMain('im-ensure-streams', async () => {
  const { values } = parseArgs({
    options: {
      stream: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      replicas: { type: 'string' },
    },
  });
  const names = values.all ? ALL.map((s) => s.name) : (values.stream ?? [Streams.directory.name]);
  const specs = names.map((name) => {
    const spec = ALL.find((s) => s.name === name);
    if (!spec)
      throw new Error(`--stream ${name}: not a stream of ours (${ALL.map((s) => s.name).join(', ')})`);
    return spec;
  });
  const config = loadConfig(Type.Object({ ...CommonConfig, ...JetStreamConfig }));
  const replicas = values.replicas === undefined ? config.JETSTREAM_REPLICAS : Number(values.replicas);
  if (!(Number.isInteger(replicas) && replicas >= 1 && replicas <= 5)) {
    throw new Error('--replicas: must be an integer from 1 to 5');
  }
  const log = createLogger({
    name: 'im-ensure-streams',
    level: config.LOG_LEVEL === 'silent' ? 'silent' : 'warn',
  });
  const nc = await connectBus({
    servers: config.NATS_URL,
    auth: readNatsAuth(),
    name: 'im-ensure-streams',
    log,
  });
  try {
    const { jsm } = await openJetStream(nc);
    for (const spec of specs) {
      const existed = await jsm.streams.info(spec.name).then(
        () => true,
        (error: unknown) => {
          if (isStreamMissing(error)) return false;
          throw error;
        },
      );
      await ensureStream(jsm, spec, { replicas });
      process.stdout.write(
        existed
          ? `${spec.name}: exists, left as it is (subjects ${spec.subjects.join(' ')} included)\n`
          : `${spec.name}: created (subjects ${spec.subjects.join(' ')}, ${replicas} replica${replicas === 1 ? '' : 's'})\n`,
      );
    }
  } finally {
    await closeBus(nc);
  }
});
