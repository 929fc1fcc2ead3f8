import { createNonce, createTimestamp, hmacSha1Hex, loginString } from '@im/signature-service/signing';
import Fastify from 'fastify';

/**
 * The in-process baseline: the login signature route of the gateway, answered in this process
 * with the signature service's own signing functions, no bus hop. What the gateway path costs on
 * top of this is the price of the NATS architecture. Env: PORT, HOST (127.0.0.1),
 * SIGNATURE_APP_KEYS (`{"<app_id>": "<key>"}`). Logs one JSON line `{"msg":"ready"}` when serving,
 * like the services, so the same start helper waits for it.
 */

const keys = parseKeys(process.env.SIGNATURE_APP_KEYS);
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 0);

// No request logging, as the gateway at LOG_LEVEL=warn.
const server = Fastify({ logger: false });

const id = { type: 'string', minLength: 1, maxLength: 256 } as const;
const text = { type: 'string' } as const;
server.get<{ Params: { app_id: string; client_id: string } }>(
  '/signature/login/:app_id/:client_id',
  {
    // Validated and serialized by schema, as the gateway's route is.
    schema: {
      params: {
        type: 'object',
        properties: { app_id: id, client_id: id },
        required: ['app_id', 'client_id'],
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          properties: { timestamp: text, nonce: text, signature: text, app_id: text, client_id: text },
        },
      },
    },
  },
  async (request, reply) => {
    const { app_id, client_id } = request.params;
    const key = keys.get(app_id);
    if (key === undefined)
      return reply.code(404).send({ code: 'not_found', message: `app "${app_id}" not found` });
    const timestamp = createTimestamp();
    const nonce = createNonce();
    return {
      timestamp,
      nonce,
      signature: hmacSha1Hex(key, loginString(app_id, client_id, timestamp, nonce)),
      app_id,
      client_id,
    };
  },
);

await server.listen({ host, port });
console.log(JSON.stringify({ level: 30, name: 'baseline', msg: 'ready', url: `http://${host}:${port}` }));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

function parseKeys(json: string | undefined): Map<string, string> {
  const parsed: unknown = JSON.parse(json ?? 'null');
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('SIGNATURE_APP_KEYS: expected a JSON object {"<app_id>": "<key>"}');
  }
  return new Map(
    Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
