import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const LISTEN = '0A';

/**
 * The pid of the local process listening on a TCP port, found the way `ss -ltnp` does: the socket's
 * inode from /proc/net/tcp{,6}, then the process holding a descriptor on it. The stack hands out
 * only the NATS URL, not the nats-server process, and this is how we still measure it. Undefined
 * when nothing we may inspect listens there (another user's server, a container).
 */
export function findListenerPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // not ours, or already gone
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (match && inodes.has(match[1]!)) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields[3] === LISTEN && fields[1]?.endsWith(`:${hexPort}`) && fields[9] && fields[9] !== '0') {
        inodes.add(fields[9]);
      }
    }
  }
  return inodes;
}
