/**
 * JetStream streams. Every process that publishes to or consumes from a stream ensures it exists
 * with this definition, so start-up order does not matter.
 */
export interface StreamSpec {
  name: string;
  subjects: string[];
}

export const Streams = {
  /** Group changes, for internal services such as the IM-provider membership mirror. */
  groupEvents: { name: 'IM_GROUP_EVENTS', subjects: ['im.events.group.>'] },
  /** Class broadcasts, fanned out by the workers. */
  classEvents: { name: 'IM_CLASS_EVENTS', subjects: ['im.events.class.>'] },
  /** Users and classes as the directory (another system) announces them. */
  directory: { name: 'DIRECTORY', subjects: ['directory.>'] },
  /** Messages a consumer gave up on, kept for inspection and replay. */
  deadLetters: { name: 'IM_DEAD_LETTERS', subjects: ['im.deadletter.>'] },
} as const satisfies Record<string, StreamSpec>;

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
