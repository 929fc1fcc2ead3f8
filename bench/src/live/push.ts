/** One class push as the bench sent it: when, how it was answered, and how long that took. */
export interface TimedPush {
  classId: number;
  status: number;
  /** push_history_record_id of a 201; undefined otherwise. */
  pushId: number | undefined;
  /** The bench's clock when the request was sent and when its answer had arrived. */
  sentAt: number;
  answeredAt: number;
  /** The body of an answer other than 201 (or the error of a request that got none), cut short. */
  failure?: string;
}

/**
 * `POST /im/org/<class_id>/message` as a service (the platform's backend plays the teacher's
 * app). Never throws: a burst reports every status it got, not the first one that was not 201.
 */
export async function pushClassMessage(
  gatewayUrl: string,
  token: string,
  classId: number,
): Promise<TimedPush> {
  const sentAt = performance.now();
  try {
    const response = await fetch(`${gatewayUrl}/im/org/${classId}/message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: `good morning, class ${classId}` }),
    });
    const text = await response.text();
    const answeredAt = performance.now();
    if (response.status !== 201) {
      return {
        classId,
        status: response.status,
        pushId: undefined,
        sentAt,
        answeredAt,
        failure: text.slice(0, 200),
      };
    }
    const pushId = (JSON.parse(text) as { push_history_record_id: number }).push_history_record_id;
    return { classId, status: 201, pushId, sentAt, answeredAt };
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    return { classId, status: 0, pushId: undefined, sentAt, answeredAt: performance.now(), failure };
  }
}
