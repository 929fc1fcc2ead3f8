import { Type } from '@sinclair/typebox';

/**
 * Field schemas shared by routes and services, and the sentence each rule produces when broken.
 * Messages are looked up by field name so that the gateway (Ajv) and the services (TypeBox's
 * compiler) word a broken rule the same way.
 */
const ID_RULE = "must be 1-64 characters without ':'";
const ID_LIST_RULE = "must be ids of 1-64 characters without ':', separated by ':'";

export const FIELD_RULES: Readonly<Record<string, string>> = {
  app_id: ID_RULE,
  client_id: ID_RULE,
  conversion_id: ID_RULE,
  sorted_member_ids: ID_LIST_RULE,
};

/** The sentence for a broken rule on `field`, or the validator's own wording when none is known. */
export function ruleFor(field: string, fallback: string): string {
  return FIELD_RULES[field] ?? fallback;
}

/** An id as the IM provider knows it: app, client, conversation. */
export const Id = (description: string) =>
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[^:]+$', description });

/** `:`-separated ids; `allowEmpty` for the join case of an invite. */
export const IdList = (description: string, allowEmpty = false) =>
  Type.String({
    pattern: allowEmpty ? '^([^:]{1,64}(:[^:]{1,64})*)?$' : '^[^:]{1,64}(:[^:]{1,64})*$',
    maxLength: 16_384,
    description,
  });
