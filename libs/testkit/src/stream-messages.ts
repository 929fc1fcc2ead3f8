import { jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export interface StreamMessage {
  seq: number;
  subject: string;
  data: unknown;
  header(name: string): string | undefined;
}

/**
 * Every message a stream holds (optionally only those on `subject`), read by sequence with the
 * stream's direct get API. Works on nats-server 2.9, which lacks multi-filter consumers; meant for
 * tests' small streams, where reading one by one is quick.
 */
export async function readStreamMessages(
  nc: NatsConnection,
  stream: string,
  subject?: string,
): Promise<StreamMessage[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(stream);
  const out: StreamMessage[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!msg) continue; // deleted or purged
    if (subject && msg.subject !== subject) continue;
    out.push({
      seq: msg.seq,
      subject: msg.subject,
      data: decode(msg),
      header: (name) => msg.header?.get(name) || undefined,
    });
  }
  return out;
}

/** JSON when it parses, else the text: dead letters may hold whatever a producer sent. */
function decode(msg: StoredMsg): unknown {
  if (msg.data.length === 0) return undefined;
  try {
    return msg.json();
  } catch {
    return msg.string();
  }
}
