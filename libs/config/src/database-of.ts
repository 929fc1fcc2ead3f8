/**
 * The database a MongoDB URL names in its path (`mongodb://h/im` → `im`), if any. Parsed by hand:
 * a replica-set URL lists several hosts (`mongodb://a:27017,b:27017/im`), which WHATWG `URL`
 * refuses. Credentials cannot hide a `/`: the connection-string spec has them percent-encoded.
 */
export function databaseOf(url: string): string | undefined {
  const rest = url.replace(/^mongodb(\+srv)?:\/\//, '');
  const slash = rest.indexOf('/');
  if (slash === -1) return undefined;
  const path = rest.slice(slash + 1).split('?')[0] ?? '';
  return path === '' ? undefined : decodeURIComponent(path);
}
