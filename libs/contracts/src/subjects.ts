/**
 * NATS subjects. Requests are answered by one member of a service's queue group; events live on
 * JetStream streams. Nothing else in the system spells a subject.
 */
export const SignatureSubjects = {
  login: 'im.signature.login',
  conversation: 'im.signature.conversation',
  invite: 'im.signature.invite',
  kick: 'im.signature.kick',
} as const;

/** Services as they announce themselves in `$SRV` discovery; the gateway's readiness checks these. */
export const ServiceNames = {
  signature: 'im-signature',
  broadcast: 'im-broadcast',
  group: 'im-group',
} as const;
export type ServiceName = (typeof ServiceNames)[keyof typeof ServiceNames];

/** NATS header carrying the request id, so one id follows a call through every service. */
export const REQUEST_ID_HEADER = 'Im-Request-Id';
