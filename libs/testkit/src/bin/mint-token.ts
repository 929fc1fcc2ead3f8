/**
 * `npm run token -- --role user --sub c565 --orgs 1,2 [--ttl 3600]`: prints one HS256 token for
 * the local gateway, signed with AUTH_JWT_SECRET(_FILE) or the secret `npm start` keeps in .data/.
 * Only the token goes to stdout, so `TOKEN=$(npm run -s token -- ...)` works.
 */
import { join } from 'node:path';
import { DEV_AUTH_SECRET_FILE, mintingSecret, parseMintArgs } from '../dev-auth.js';
import { repoRoot } from '../repo-root.js';
import { mintToken } from '../tokens.js';

const USAGE =
  'usage: npm run token -- --role user|org_admin|service --sub <client id> [--orgs 1,2] [--ttl <seconds, 3600>]\n';

try {
  const args = parseMintArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stdout.write(USAGE);
  } else {
    const secret = mintingSecret(process.env, join(repoRoot(), '.data', DEV_AUTH_SECRET_FILE));
    process.stdout.write(`${mintToken(secret, args.claims, { expiresInS: args.ttlS })}\n`);
  }
} catch (error) {
  process.stderr.write(`token: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
