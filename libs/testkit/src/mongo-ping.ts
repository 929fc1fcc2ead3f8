import { MongoClient } from 'mongodb';

/** Whether a MongoDB-wire server at `url` answers `ping` now. */
export async function mongoAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    directConnection: !url.startsWith('mongodb+srv:') && !url.includes(','),
  });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}
