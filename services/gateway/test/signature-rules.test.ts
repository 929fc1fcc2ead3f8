import { createHmac } from 'node:crypto';
import type { RunningService } from '@im/bus';
import { AppKeys, type SignatureServiceOptions, startSignatureService } from '@im/signature-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroupGatewayHarness, startGroupGateway } from './group-harness.js';
import { type Claims, orgAdmin, service, silentLog, user } from './helpers.js';

/**
 * Invite, kick and join signatures follow the group rules (README, "Security"): the matrix of
 * callers × conversations × actions, over HTTP → gateway → signature service → group service →
 * FerretDB, all real. Granted cells are checked with an HMAC computed here with node:crypto over
 * the documented string, independent of the service's code.
 */
const KEY = 'rules-master-key';
let h: GroupGatewayHarness;
let signature: RunningService | undefined;
let groupId: number;

// Organization 1 holds group G (conversation conv-g): adm its admin, m1 and m2 its members.
const member = user('m1', 1);
const admin = user('adm', 1);
const orgAdmin1 = orgAdmin('o1', 1);
const outsider = user('x9', 2);
const colleague = user('m9', 1); // of the organization, not of the group
const backend = service('svc-backend');

const startSigner = async (options: Partial<SignatureServiceOptions>) => {
  await signature?.stop();
  signature = await startSignatureService({
    nc: h.nc,
    log: silentLog,
    appKeys: AppKeys.parse(JSON.stringify({ '1': KEY })),
    ...options,
  });
};

async function post(url: string, body: object) {
  const res = await h.gateway.inject({ method: 'POST', url, headers: h.auth.as(backend), payload: body });
  return res.json();
}

beforeAll(async () => {
  h = await startGroupGateway();
  await startSigner({});
  ({ group_id: groupId } = await post('/im/group', {
    group_name: 'G',
    member_client_ids: 'm1:m2',
    admin_uid: 'adm',
    organization_id: 1,
    conversion_id: 'conv-g',
  }));
  const gone = await post('/im/group', {
    group_name: 'D',
    member_client_ids: 'm1:m2',
    admin_uid: 'adm',
    organization_id: 1,
    conversion_id: 'conv-d',
  });
  await h.gateway.inject({
    method: 'DELETE',
    url: `/im/group/${gone.group_id}`,
    headers: h.auth.as(backend),
  });
});
afterAll(async () => {
  await signature?.stop();
  await h?.close();
});

type Action = 'invite' | 'kick' | 'join';

/**
 * A caller asks for itself (a service for m1, a backend acting for its user). `members` is what
 * is to be invited or kicked; a join has none.
 */
async function ask(caller: Claims, action: Action, conversation: string, members = '') {
  const clientId = caller.role === 'service' ? 'm1' : caller.sub;
  const verb = action === 'join' ? 'invite' : action;
  const url = `/signature/${verb}/1/${clientId}/${conversation}${members ? `/${members}` : ''}`;
  const res = await h.gateway.inject({ method: 'GET', url, headers: h.auth.as(caller) });
  return { status: res.statusCode, body: res.json(), clientId, verb, members };
}

/** A granted signature: the documented string, signed here with the app's key. */
function expectSigned(answer: Awaited<ReturnType<typeof ask>>, conversation: string, timestamp = /^\d{10}$/) {
  const { status, body, clientId, verb, members } = answer;
  expect(status, JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ action: verb, app_id: '1', client_id: clientId, conversion_id: conversation });
  expect(body.sorted_member_ids).toBe(members);
  expect(body.timestamp).toMatch(timestamp);
  const signed = `1:${clientId}:${conversation}:${members}:${body.timestamp}:${body.nonce}:${verb}`;
  expect(body.signature).toBe(createHmac('sha1', KEY).update(signed).digest('hex'));
}

function expectRefused(answer: Awaited<ReturnType<typeof ask>>, status: number, code: number, field: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.error_code).toBe(code);
  expect(answer.body.msg.startsWith(`${field}: `), answer.body.msg).toBe(true);
}

const callers = { member, admin, org_admin: orgAdmin1, outsider, service: backend } as const;
type CallerName = keyof typeof callers;
/** 200, or the field a 403 (1008) names. */
type Cell = 200 | 'client_id' | 'sorted_member_ids';

/** The group's conversation: what each caller may sign, action by action. */
const groupCells: Record<Action, { members: string; cells: Record<CallerName, Cell> }> = {
  invite: {
    members: 'n1:n2',
    cells: { member: 'client_id', admin: 200, org_admin: 200, outsider: 'client_id', service: 200 },
  },
  kick: {
    members: 'm2',
    cells: {
      member: 'sorted_member_ids',
      admin: 200,
      org_admin: 200,
      outsider: 'sorted_member_ids',
      service: 200,
    },
  },
  join: {
    members: '',
    cells: { member: 200, admin: 200, org_admin: 200, outsider: 'client_id', service: 200 },
  },
};

describe("a group's conversation", () => {
  for (const [action, { members, cells }] of Object.entries(groupCells) as [
    Action,
    (typeof groupCells)[Action],
  ][]) {
    for (const [name, cell] of Object.entries(cells) as [CallerName, Cell][]) {
      it(`${action} as ${name}: ${cell === 200 ? 'signed' : `403 naming ${cell}`}`, async () => {
        const answer = await ask(callers[name], action, 'conv-g', members);
        if (cell === 200) expectSigned(answer, 'conv-g');
        else expectRefused(answer, 403, 1008, cell);
      });
    }
  }

  it('join: a user of the organization who is not a member is refused (no self-join, as in the REST API)', async () => {
    expectRefused(await ask(colleague, 'join', 'conv-g'), 403, 1008, 'client_id');
  });

  it('kick: any member may kick only itself', async () => {
    expectSigned(await ask(member, 'kick', 'conv-g', 'm1'), 'conv-g');
    expectRefused(await ask(member, 'kick', 'conv-g', 'm1:m2'), 403, 1008, 'sorted_member_ids');
  });

  it('kick: never the admin, whoever asks', async () => {
    for (const caller of [admin, orgAdmin1, backend]) {
      const answer = await ask(caller, 'kick', 'conv-g', 'adm');
      expectRefused(answer, 403, 1008, 'sorted_member_ids');
      expect(answer.body.msg).toBe(
        `sorted_member_ids: "adm" is the admin of group ${groupId} and cannot be removed`,
      );
    }
  });

  it('the rule that a caller signs only for its own client id still comes first', async () => {
    const res = await h.gateway.inject({
      method: 'GET',
      url: '/signature/invite/1/adm/conv-g/n1',
      headers: h.auth.as(member),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().msg).toBe(
      'client_id: "adm" is not the caller; only a service may sign for another client',
    );
  });
});

describe('a deleted group', () => {
  for (const action of ['invite', 'kick', 'join'] as const) {
    for (const [name, caller] of Object.entries(callers)) {
      it(`${action} as ${name}: 404 (7003) naming conversion_id`, async () => {
        const answer = await ask(caller, action, 'conv-d', action === 'join' ? '' : 'm2');
        expectRefused(answer, 404, 7003, 'conversion_id');
        expect(answer.body.msg).toBe('conversion_id: the group of conversation "conv-d" was deleted');
      });
    }
  }
});

describe('a conversation no group owns (SIGNATURE_UNOWNED_CONVERSATIONS)', () => {
  it('allow (the default): each caller signs for itself, any action', async () => {
    for (const caller of Object.values(callers)) {
      expectSigned(await ask(caller, 'invite', 'conv-u', 'n1'), 'conv-u');
      expectSigned(await ask(caller, 'kick', 'conv-u', 'n1'), 'conv-u');
      expectSigned(await ask(caller, 'join', 'conv-u'), 'conv-u');
    }
  });

  it('refuse: 403 naming conversion_id for every caller but a service; group rules unchanged', async () => {
    // Milliseconds here too: the timestamp setting reaches the reply and the signed string alike.
    await startSigner({ unownedConversations: 'refuse', timestampFormat: 'milliseconds' });
    for (const caller of [member, admin, orgAdmin1, outsider]) {
      for (const action of ['invite', 'kick', 'join'] as const) {
        expectRefused(
          await ask(caller, action, 'conv-u', action === 'join' ? '' : 'n1'),
          403,
          1008,
          'conversion_id',
        );
      }
    }
    for (const action of ['invite', 'kick', 'join'] as const) {
      expectSigned(await ask(backend, action, 'conv-u', action === 'join' ? '' : 'n1'), 'conv-u', /^\d{13}$/);
    }
    expectSigned(await ask(admin, 'invite', 'conv-g', 'n1'), 'conv-g', /^\d{13}$/);
    await startSigner({});
  });
});

describe('without the group service', () => {
  it('answers 503 naming the group service, signing nothing; login and conversation start still sign', async () => {
    await h.stopGroupService();
    for (const action of ['invite', 'kick', 'join'] as const) {
      const answer = await ask(admin, action, 'conv-u', action === 'join' ? '' : 'n1');
      expect(answer.status).toBe(503);
      expect(answer.body.error_code).toBe(1013);
      expect(answer.body.msg).toMatch(/group service/);
      expect(answer.body.signature).toBeUndefined();
    }
    const login = await h.gateway.inject({
      method: 'GET',
      url: '/signature/login/1/adm',
      headers: h.auth.as(admin),
    });
    expect(login.statusCode).toBe(200);
    const start = await h.gateway.inject({
      method: 'GET',
      url: '/signature/conversion/1/adm/m1:m2',
      headers: h.auth.as(admin),
    });
    expect(start.statusCode).toBe(200);
  });
});
