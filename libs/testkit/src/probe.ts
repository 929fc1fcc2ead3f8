import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { repoRoot } from './repo-root.js';

/**
 * What the machine offers. startNats/startMongo take a partial override so the fallback order,
 * and the "nothing available" sentence, can be tested without uninstalling anything.
 */
export interface Probe {
  /** The environment read for NATS_URL, MONGO_URL and PATH. */
  env: Record<string, string | undefined>;
  /** Absolute path of an executable, or undefined when the machine lacks it. */
  findBinary(name: string): string | undefined;
  /** Whether a Docker (or compatible) engine answers, for the testcontainers fallback. */
  dockerAvailable(): Promise<boolean>;
}

/** Places outside PATH where our machines keep these tools (sbin is not on every user's PATH). */
function knownLocations(name: string): string[] {
  switch (name) {
    case 'nats-server':
      return ['/usr/sbin/nats-server', '/usr/local/sbin/nats-server'];
    case 'ferretdb':
      return [join(repoRoot(), '.tools', 'bin', 'ferretdb')];
    case 'go':
      return ['/usr/local/go/bin/go'];
    default:
      return [];
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(
  name: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...dirs.map((dir) => join(dir, name)), ...knownLocations(name)].find(isExecutable);
}

let dockerAnswer: Promise<boolean> | undefined;

/** Asked once per process: testcontainers' runtime discovery is cached by it anyway. */
function dockerAvailable(): Promise<boolean> {
  dockerAnswer ??= import('testcontainers').then(
    ({ getContainerRuntimeClient }) =>
      getContainerRuntimeClient().then(
        () => true,
        () => false,
      ),
    () => false,
  );
  return dockerAnswer;
}

export function resolveProbe(override: Partial<Probe> = {}): Probe {
  const env = override.env ?? process.env;
  return {
    env,
    findBinary: override.findBinary ?? ((name) => findOnPath(name, env)),
    dockerAvailable: override.dockerAvailable ?? dockerAvailable,
  };
}
