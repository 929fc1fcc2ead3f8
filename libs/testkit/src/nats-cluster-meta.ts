/**
 * What one node says about the JetStream meta group (the raft group that owns streams and
 * consumers), from its `/jsz` monitoring page. 2.9 lists the peers only on the leader, 2.10+ on
 * every node; both name the leader everywhere once there is one.
 */
export interface MetaView {
  leader?: string;
  /** Other peers as this node sees them; `current`: caught up with the leader. */
  peers: { name: string; current: boolean }[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The meta group from a `/jsz` body; undefined when the body is not what a nats-server sends. */
export function parseMetaView(body: unknown): MetaView | undefined {
  if (!isRecord(body) || !isRecord(body.meta_cluster)) return undefined;
  const { leader, replicas } = body.meta_cluster;
  const peers = (Array.isArray(replicas) ? replicas : []).flatMap((peer) =>
    isRecord(peer) && typeof peer.name === 'string'
      ? [{ name: peer.name, current: peer.current === true }]
      : [],
  );
  return { leader: typeof leader === 'string' && leader !== '' ? leader : undefined, peers };
}

/** A node's view, or undefined while it does not answer (starting, killed) or answers nonsense. */
export async function readMetaView(monitorUrl: string): Promise<MetaView | undefined> {
  try {
    const response = await fetch(`${monitorUrl}/jsz`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return undefined;
    return parseMetaView(await response.json());
  } catch {
    return undefined;
  }
}

/**
 * Why the running nodes do not yet form a whole JetStream cluster, or undefined once they do:
 * every one of them names the same leader, the leader is one of them, and the leader sees each
 * other one as a current peer (so a stream of as many replicas as nodes running can be placed).
 */
export function metaNotReady(views: ReadonlyMap<string, MetaView | undefined>): string | undefined {
  const names = [...views.keys()];
  if (names.length === 0) return 'no node is running';
  const silent = names.filter((name) => !views.get(name));
  if (silent.length > 0) return `no /jsz answer from ${silent.join(', ')}`;
  const leaders = new Set(names.map((name) => views.get(name)?.leader));
  if (leaders.has(undefined)) return 'not every node knows a meta leader';
  if (leaders.size > 1) return `the nodes name different meta leaders (${[...leaders].join(', ')})`;
  const [leader = ''] = leaders;
  const view = views.get(leader);
  if (!view) return `the meta leader ${leader} is not a running node`;
  const behind = names.filter(
    (name) => name !== leader && !view.peers.some((peer) => peer.name === name && peer.current),
  );
  if (behind.length > 0) return `the meta leader ${leader} does not see ${behind.join(', ')} as current`;
  return undefined;
}

/** One line per node for an error message: `n1: leader n2; n2: leader n2, peers n1 (current), …`. */
export function describeViews(views: ReadonlyMap<string, MetaView | undefined>): string {
  return [...views]
    .map(([name, view]) => {
      if (!view) return `${name}: no answer`;
      const peers = view.peers.map((peer) => `${peer.name}${peer.current ? '' : ' (behind)'}`).join(', ');
      return `${name}: leader ${view.leader ?? 'none'}${peers ? `, peers ${peers}` : ''}`;
    })
    .join('; ');
}
