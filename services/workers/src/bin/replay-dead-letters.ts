/**
 * Operators' tool: republish parked messages once their cause is fixed.
 *
 *   NATS_URL=nats://host:4222 node services/workers/dist/bin/replay-dead-letters.js \
 *     [--durable workers-class-messages] [--from-seq N] [--dry-run] [--purge]
 *
 * See docs/broadcast.md ("Dead letters and replay").
 */
import { parseArgs } from 'node:util';
import { closeBus, connectBus, runMain } from '@im/bus';
import { CommonConfig, loadConfig, readNatsAuth } from '@im/config';
import { openJetStream } from '@im/events';
import { createLogger } from '@im/log';
import { Type } from '@sinclair/typebox';
import { replayDeadLetters } from '../replay.js';

await runMain('replay-dead-letters', async () => {
  const { values } = parseArgs({
    options: {
      durable: { type: 'string' },
      'from-seq': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      purge: { type: 'boolean', default: false },
    },
  });
  const fromSeq = values['from-seq'] === undefined ? undefined : Number(values['from-seq']);
  if (fromSeq !== undefined && !(Number.isInteger(fromSeq) && fromSeq > 0)) {
    throw new Error('--from-seq: must be a positive integer');
  }
  const config = loadConfig(Type.Object({ ...CommonConfig }));
  const log = createLogger({ name: 'replay-dead-letters', level: 'warn' });
  const nc = await connectBus({
    servers: config.NATS_URL,
    auth: readNatsAuth(),
    name: 'im-replay-dead-letters',
    log,
  });
  try {
    const result = await replayDeadLetters(await openJetStream(nc), {
      durable: values.durable,
      fromSeq,
      dryRun: values['dry-run'],
      purge: values.purge,
      report: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(
      `${values['dry-run'] ? 'would replay' : 'replayed'} ${result.replayed}, skipped ${result.skipped}\n`,
    );
  } finally {
    await closeBus(nc);
  }
});
