/**
 * JetStream streams. Each stream is created by the side that publishes into it, never by a side
 * that only reads it: the group service creates IM_GROUP_EVENTS, the broadcast service
 * IM_CLASS_EVENTS, every service that runs a consumer IM_DEAD_LETTERS (consumers park what they
 * give up on there). DIRECTORY belongs to the directory, another system: its side (or an
 * operator, with `im-ensure-streams` from @im/events) provisions it; nothing of ours creates it,
 * and the gateway's admin routes answer 503 naming it while it is missing. A consumer started
 * before its stream exists waits for it in the background (runConsumer), so start-up order still
 * does not matter.
 */
export interface StreamSpec {
  name: string;
  subjects: string[];
  /** Who creates the stream: named in the line a consumer logs while it waits for it. */
  createdBy?: string;
}

export const Streams = {
  /** Group changes, for internal services such as the IM-provider membership mirror. */
  groupEvents: {
    name: 'IM_GROUP_EVENTS',
    subjects: ['im.events.group.>'],
    createdBy: 'the group service',
  },
  /** Class broadcasts, fanned out by the workers. */
  classEvents: {
    name: 'IM_CLASS_EVENTS',
    subjects: ['im.events.class.>'],
    createdBy: 'the broadcast service',
  },
  /** Users and classes as the directory (another system) announces them. */
  directory: {
    name: 'DIRECTORY',
    subjects: ['directory.>'],
    createdBy: 'the directory, or an operator with im-ensure-streams',
  },
  /** Messages a consumer gave up on, kept for inspection and replay. */
  deadLetters: {
    name: 'IM_DEAD_LETTERS',
    subjects: ['im.deadletter.>'],
    createdBy: 'every service that runs a consumer',
  },
} as const satisfies Record<string, StreamSpec>;

/** Who creates the stream of this name (see Streams); undefined for a stream not listed there. */
export const streamCreator = (name: string): string | undefined =>
  Object.values(Streams).find((spec: StreamSpec) => spec.name === name)?.createdBy;

/** Where a consumer parks what it gave up on: `im.deadletter.<durable>`. */
export const deadLetterSubject = (durable: string): string => `im.deadletter.${durable}`;

/** Headers a dead letter carries besides the original message's own. */
export const DeadLetterHeaders = {
  reason: 'Im-Dead-Letter-Reason',
  subject: 'Im-Dead-Letter-Subject',
  stream: 'Im-Dead-Letter-Stream',
  sequence: 'Im-Dead-Letter-Sequence',
  attempts: 'Im-Dead-Letter-Attempts',
  consumer: 'Im-Dead-Letter-Consumer',
} as const;
