import { type CommandStartedEvent, type Db, MongoClient } from 'mongodb';

export interface CommandWatch {
  /** A database of its own on a client that reports every command it sends. */
  db: Db;
  /** The `maxTimeMS` each command of that name carried since the last `clear()`, in order. */
  maxTimeOf(commandName: string): (number | undefined)[];
  clear(): void;
  close(): Promise<void>;
}

/**
 * Commands as they go on the wire (the driver's command monitoring), for tests that assert what a
 * repository sends (a time limit, say) rather than what it gets back.
 */
export async function watchCommands(mongoUrl: string, dbName: string): Promise<CommandWatch> {
  const started: CommandStartedEvent[] = [];
  const client = new MongoClient(mongoUrl, { monitorCommands: true, retryWrites: false });
  client.on('commandStarted', (event) => started.push(event));
  await client.connect();
  return {
    db: client.db(dbName),
    maxTimeOf: (name) =>
      started.filter((e) => e.commandName === name).map((e) => e.command.maxTimeMS as number | undefined),
    clear: () => {
      started.length = 0;
    },
    close: () => client.close(),
  };
}
