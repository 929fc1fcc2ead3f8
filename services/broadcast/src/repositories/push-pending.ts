import type { Collection, Db } from 'mongodb';

/**
 * A marker of one push whose event is not sent yet: `_id` is the event id. Written before the
 * push record and deleted once the event is sent, so `push_pending` holds only pending work and
 * the relay's scan of it costs nothing at rest (docs/ferretdb.md, "Lookups"), however long the
 * history. The event's own state (attempts, parked) stays in the push record.
 */
export interface PendingMarker {
  _id: string;
  push_id: number;
  class_id: number;
  created_at: Date;
}

export class PushPending {
  readonly docs: Collection<PendingMarker>;

  constructor(db: Db) {
    this.docs = db.collection<PendingMarker>('push_pending');
  }

  async add(marker: PendingMarker): Promise<void> {
    await this.docs.replaceOne({ _id: marker._id }, marker, { upsert: true });
  }

  find(eventId: string): Promise<PendingMarker | null> {
    return this.docs.findOne({ _id: eventId });
  }

  /** Every marker, oldest first: a scan, of a collection that is empty when nothing is pending. */
  all(): Promise<PendingMarker[]> {
    return this.docs
      .find({})
      .toArray()
      .then((docs) => docs.sort((a, b) => +a.created_at - +b.created_at));
  }

  async remove(eventId: string): Promise<void> {
    await this.docs.deleteOne({ _id: eventId });
  }

  count(): Promise<number> {
    return this.docs.countDocuments({});
  }
}
