import { defineEndpoint } from '@im/bus';
import { type LoginSignatureReply, LoginSignatureRequest, SignatureSubjects } from '@im/contracts';
import { assertMaySignFor } from '../authorize.js';
import type { Signer } from '../signer.js';
import { loginString } from '../signing.js';

export const loginEndpoint = (signer: Signer) =>
  defineEndpoint({
    name: 'login',
    subject: SignatureSubjects.login,
    request: LoginSignatureRequest,
    handle: ({ app_id, client_id }, { caller }): LoginSignatureReply => {
      assertMaySignFor(caller, client_id);
      return {
        ...signer.sign(app_id, (timestamp, nonce) => loginString(app_id, client_id, timestamp, nonce)),
        app_id,
        client_id,
      };
    },
  });
