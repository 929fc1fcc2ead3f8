import { BroadcastSubjects } from './broadcast.js';
import { ConversationSubjects } from './conversations.js';
import { DeliverySubjects } from './deliveries.js';
import { GroupSubjects } from './group.js';
import { SignatureSubjects } from './subjects.js';

/** Which service answers each request subject (`im.org.contacts` is the group service's). */
const OWNERS = new Map<string, string>([
  ...Object.values(SignatureSubjects).map((subject) => [subject, 'signature'] as const),
  ...Object.values(GroupSubjects).map((subject) => [subject, 'group'] as const),
  ...Object.values(ConversationSubjects).map((subject) => [subject, 'group'] as const),
  ...Object.values(BroadcastSubjects).map((subject) => [subject, 'broadcast'] as const),
  ...Object.values(DeliverySubjects).map((subject) => [subject, 'workers'] as const),
]);

/** The service an error message should name for a subject: its owner, else the subject's second token. */
export function serviceAnswering(subject: string): string {
  return OWNERS.get(subject) ?? subject.split('.')[1] ?? subject;
}
