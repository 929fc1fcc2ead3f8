import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AppError, ErrorCode } from './errors.js';
import { quote } from './quote.js';
import { fieldOf } from './validate.js';

/**
 * Who is calling. The gateway verifies a bearer token and turns its claims into a Caller; services
 * receive it in the `Im-Caller` NATS header and decide there, next to the data, what it may do.
 */
export const CALLER_HEADER = 'Im-Caller';

/** The most organizations one caller may belong to: bounds the token and the header. */
export const MAX_CALLER_ORGS = 1_000;

export const CallerRole = Type.Union(
  [Type.Literal('user'), Type.Literal('org_admin'), Type.Literal('service')],
  { description: 'user: a person; org_admin: administers its organizations; service: an internal system' },
);
export type CallerRole = Static<typeof CallerRole>;

const CallerFields = {
  sub: Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[^:]+$',
    description: "the caller's client id: c565 for a user, o3 for an organization account",
  }),
  orgs: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
    maxItems: MAX_CALLER_ORGS,
    description: 'ids of the organizations the caller belongs to',
  }),
  role: CallerRole,
};

/** Exactly what travels in `Im-Caller`: nothing else is trusted or needed downstream. */
export const Caller = Type.Object(CallerFields, { additionalProperties: false });
export type Caller = Readonly<Static<typeof Caller>>;

/** A token's claims: registered claims (exp, iat, iss, ...) may sit beside ours; `orgs` may be left out. */
export const CallerClaims = Type.Object({ ...CallerFields, orgs: Type.Optional(CallerFields.orgs) });

/** The sentence for each broken field: `role` must not borrow the directory's wording of its own `role`. */
const CLAIM_RULES: Record<string, string> = {
  sub: "must be a client id of 1-64 characters without ':'",
  orgs: `must be a list of at most ${MAX_CALLER_ORGS} positive integers`,
  role: "must be 'user', 'org_admin' or 'service'",
};

const callerChecker = TypeCompiler.Compile(Caller);
const claimsChecker = TypeCompiler.Compile(CallerClaims);

/** `orgs[3]: must be ...`, naming the first broken claim. */
function problemOf(checker: typeof callerChecker | typeof claimsChecker, value: unknown): string {
  const first = checker.Errors(value).First();
  const field = fieldOf(first?.path ?? '');
  const name = field.replace(/\[\d+\]$/, '');
  return `${field}: ${CLAIM_RULES[name] ?? first?.message.toLowerCase() ?? 'is invalid'}`;
}

/** A frozen Caller, or a sentence saying which claim does not fit. */
export function callerFromClaims(claims: unknown): Caller | string {
  if (!claimsChecker.Check(claims)) return problemOf(claimsChecker, claims);
  const { sub, orgs = [], role } = claims;
  return Object.freeze({ sub, orgs: Object.freeze([...orgs]) as number[], role });
}

/** A caller as decoded from `Im-Caller`, or a sentence saying what is wrong with it. */
export function callerFromHeader(value: unknown): Caller | string {
  if (!callerChecker.Check(value)) return problemOf(callerChecker, value);
  Object.freeze(value.orgs);
  return Object.freeze(value);
}

/** The header value: compact JSON, built once per verified token by the gateway. */
export function encodeCaller(caller: Caller): string {
  return JSON.stringify({ sub: caller.sub, orgs: caller.orgs, role: caller.role });
}

// ---- predicates: pure, so each rule reads as one line where the data is --------------------------

export const isService = (caller: Caller): boolean => caller.role === 'service';

export const isSelf = (caller: Caller, clientId: string): boolean => caller.sub === clientId;

export const belongsTo = (caller: Caller, organizationId: number): boolean =>
  caller.orgs.includes(organizationId);

export const isOrgAdminOf = (caller: Caller, organizationId: number): boolean =>
  caller.role === 'org_admin' && belongsTo(caller, organizationId);

/** A 403 (1008) whose message starts with the field the refusal is about. */
export function forbidden(field: string, why: string): AppError {
  return new AppError(ErrorCode.IllegalOperation, `${field}: ${why}`);
}

/**
 * A student's notifications (the inbox, the replay after a seq, a read mark): that student, or a
 * service. One rule for the two services that answer them (workers: the inbox; broadcast: the
 * rest). `action` completes the refusal: "may <action>".
 */
export function assertMayReadNotificationsOf(
  caller: Caller,
  clientId: string,
  action = 'read its notifications',
): void {
  if (isService(caller) || isSelf(caller, clientId)) return;
  throw forbidden('client_id', `only ${quote(clientId)} itself or a service may ${action}`);
}

/** A 401 (1005): no caller, or one that cannot be believed. */
export function unauthenticated(field: string, why: string): AppError {
  return new AppError(ErrorCode.AuthFailed, `${field}: ${why}`);
}
