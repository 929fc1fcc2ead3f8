import { BSON, type CommandStartedEvent, type Document, type MongoClient } from 'mongodb';
import { TestkitError } from './errors.js';
import {
  classifyFerretdb,
  classifyMongodb,
  type ExplainedShape,
  ferretdbExplainable,
  type ServerKind,
} from './query-plans.js';
import { type QueryShape, SHAPED_COMMANDS, shapesOfCommand } from './query-shapes.js';

export interface RecordedShape {
  key: string;
  shape: QueryShape;
  /** How many statements of this shape were sent. */
  count: number;
  /** Every database the shape was sent to. */
  databases: string[];
  /** The last statement of this shape, as sent (a copy), and its database: what `explain` runs. */
  example: { database: string; explainable: Document };
}

export interface QueryShapeRecorder {
  /** Every shape recorded so far, in the order first seen. */
  shapes(): RecordedShape[];
  /**
   * Explains one real statement of each shape on the server (`verbosity: 'queryPlanner'`, so
   * nothing is executed) and classifies it (query-plans.ts). Throws if a command could not be read.
   */
  explain(): Promise<ExplainedShape[]>;
  clear(): void;
  /** Stops listening; the client stays the caller's. */
  stop(): void;
}

export interface RecordQueryShapesOptions {
  /** Only commands to these databases; default: every database. */
  databases?: readonly string[];
}

/** A copy that later changes to the caller's objects cannot reach (BSON types kept, as they go on the wire). */
const snapshot = (doc: Document): Document => BSON.deserialize(BSON.serialize(doc));

/**
 * Records the shape of every statement that reads or writes documents (query-shapes.ts) sent on
 * `client`, which must have been created with `monitorCommands: true`: start it before the code
 * under test runs, drive that code, then `explain()`.
 */
export function recordQueryShapes(
  client: MongoClient,
  options: RecordQueryShapesOptions = {},
): QueryShapeRecorder {
  if (client.options.monitorCommands !== true) {
    throw new TestkitError('recordQueryShapes needs a MongoClient created with { monitorCommands: true }');
  }
  const databases = options.databases ? new Set(options.databases) : undefined;
  const recorded = new Map<string, RecordedShape>();
  const problems: string[] = [];

  const listener = (event: CommandStartedEvent) => {
    if (!SHAPED_COMMANDS.includes(event.commandName)) return;
    if (databases && !databases.has(event.databaseName)) return;
    try {
      for (const statement of shapesOfCommand(event.commandName, event.command)) {
        const example = { database: event.databaseName, explainable: snapshot(statement.explainable) };
        const seen = recorded.get(statement.key);
        if (seen) {
          seen.count++;
          seen.example = example;
          if (!seen.databases.includes(event.databaseName)) seen.databases.push(event.databaseName);
        } else {
          recorded.set(statement.key, {
            key: statement.key,
            shape: statement.shape,
            count: 1,
            databases: [event.databaseName],
            example,
          });
        }
      }
    } catch (error) {
      // Never thrown into the driver's event emitter: reported by explain().
      problems.push(`${event.commandName} on ${event.databaseName}: ${(error as Error).message}`);
    }
  };
  client.on('commandStarted', listener);

  return {
    shapes: () => [...recorded.values()],
    explain: async () => {
      if (problems.length > 0)
        throw new TestkitError(`commands the recorder could not read: ${problems.join('; ')}`);
      const server = await serverKind(client);
      const results: ExplainedShape[] = [];
      for (const shape of recorded.values()) results.push(await explainShape(client, server, shape));
      return results;
    },
    clear: () => {
      recorded.clear();
      problems.length = 0;
    },
    stop: () => {
      client.off('commandStarted', listener);
    },
  };
}

/** FerretDB answers `buildInfo` with `ferretdbVersion`. */
export async function serverKind(client: MongoClient): Promise<ServerKind> {
  const info = await client.db('admin').command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string' || info.ferretdb !== undefined ? 'ferretdb' : 'mongodb';
}

async function explainShape(
  client: MongoClient,
  server: ServerKind,
  recorded: RecordedShape,
): Promise<ExplainedShape> {
  const { database, explainable } = recorded.example;
  const explained = server === 'ferretdb' ? ferretdbExplainable(explainable) : explainable;
  const base = {
    key: recorded.key,
    shape: recorded.shape,
    count: recorded.count,
    database,
    server,
    explained,
  };
  try {
    const answer = await client.db(database).command({ explain: explained, verbosity: 'queryPlanner' });
    const verdict =
      server === 'ferretdb' ? classifyFerretdb(recorded.shape, answer) : classifyMongodb(answer);
    return { ...base, ...verdict, answer };
  } catch (error) {
    return {
      ...base,
      indexed: false,
      reason: `explain failed: ${(error as Error).message}`,
      answer: undefined,
    };
  }
}
