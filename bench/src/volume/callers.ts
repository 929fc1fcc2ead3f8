import type { TokenClaims } from '@im/testkit';
import { randomGenerator } from './school.js';

export type Headers = Record<string, string>;

/** A caller of a run: the client id it acts as and the headers its requests carry. */
export interface Caller {
  uid: string;
  headers: Headers;
}

/** Tokens live long enough for the slowest run (full scale) and are minted before it starts. */
const TOKEN_TTL_S = 6 * 3_600;
/** Distinct users a run draws from: enough to spread over the store, few enough to mint up front. */
const POOL = 1_000;

/**
 * The callers the routes are driven as, tokens minted up front (minting during a run would be
 * the load generator's CPU, and a first token costs the gateway a verification): users of the
 * organization, each for itself, and the organization's admin for the org_admin routes.
 */
export class Callers {
  readonly #mint: (claims: TokenClaims) => string;
  readonly #organizationId: number;
  readonly #random: () => number;
  readonly #admin: Caller;

  constructor(
    mint: (claims: TokenClaims, options: { expiresInS: number }) => string,
    organizationId: number,
    seed: number,
  ) {
    this.#mint = (claims) => mint(claims, { expiresInS: TOKEN_TTL_S });
    this.#organizationId = organizationId;
    this.#random = randomGenerator(seed);
    this.#admin = this.#caller(`o${organizationId}`, 'org_admin');
  }

  /** The organization's admin (pushes, class pushes, group create, members add). */
  get admin(): Caller {
    return this.#admin;
  }

  /** Up to 1,000 users drawn from `uids` (all of them when fewer), each with its own token. */
  pool(uids: readonly string[]): Caller[] {
    const picked = new Set<string>();
    if (uids.length <= POOL) for (const uid of uids) picked.add(uid);
    while (picked.size < Math.min(POOL, uids.length))
      picked.add(uids[Math.floor(this.#random() * uids.length)]!);
    return [...picked].map((uid) => this.#caller(uid, 'user'));
  }

  #caller(uid: string, role: 'user' | 'org_admin'): Caller {
    const token = this.#mint({ sub: uid, orgs: [this.#organizationId], role });
    return { uid, headers: { authorization: `Bearer ${token}` } };
  }
}
