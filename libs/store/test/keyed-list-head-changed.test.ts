import { type MongoDatabase, startMongoDb } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedList, type KeyedListOptions } from '../src/index.js';

/**
 * `headChanged` is how a copy that keeps something of a head (its `w`) hears that it moved: every
 * write of a head must tell it, whichever method wrote it. Each case below compares the stored
 * head before and after one method, so a method that writes the head without telling fails here.
 */
let store: MongoDatabase;
let listNo = 0;

interface Entry {
  id: number;
  at: number;
}

beforeAll(async () => {
  store = await startMongoDb('keyed-list-head-changed');
}, 60_000);
afterAll(() => store?.stop());

const forms: { form: string; options: KeyedListOptions<Entry> }[] = [
  { form: 'one-statement appends', options: { idField: 'id' } },
  { form: 'ordered, numbered', options: { idField: 'id', sortBy: ['at'], seqField: 'at' } },
];

describe.each(forms)('KeyedList headChanged ($form)', ({ options }) => {
  it('is told of the key after every write of its head, and of no other', async () => {
    const told: string[] = [];
    const list = new KeyedList<Entry>(store.db, `heads_${++listNo}`, {
      ...options,
      bucketSize: 3,
      headChanged: (key) => told.push(key),
    });
    const stored = () => list.docs.findOne({ _id: 'k' } as never);
    const writes: [string, () => Promise<unknown>][] = [
      ['append', () => list.append('k', [{ id: 1, at: 1 }])],
      ['appendOne', () => list.appendOne('k', { id: 2, at: 2 })],
      ['appendFresh', () => list.appendFresh('k', { id: 3, at: 3 })],
      [
        'append past a bucket (seal)',
        () =>
          list.append(
            'k',
            [4, 5, 6, 7].map((id) => ({ id, at: id })),
          ),
      ],
      ['touch', () => list.touch('k')],
      ['update in the head', () => list.update('k', 6, (e) => ({ ...e, id: 70 }))],
      ['update in a sealed bucket', () => list.update('k', 0, (e) => ({ ...e, id: 10 }))],
    ];
    for (const [name, write] of writes) {
      const before = JSON.stringify(await stored());
      told.length = 0;
      await write();
      const moved = JSON.stringify(await stored()) !== before;
      expect({ name, moved, told: [...new Set(told)] }).toEqual({ name, moved: true, told: ['k'] });
    }
    // A write that changes no head (an id listed already) need not tell; one of another key tells that key.
    told.length = 0;
    await list.append('other', [{ id: 1, at: 1 }]);
    expect([...new Set(told)]).toEqual(['other']);
  });
});
