import { ConfigError } from '@im/config';
import { quote } from '@im/contracts';

/**
 * The master key of every app we sign for, parsed from `SIGNATURE_APP_KEYS` JSON
 * (`{"<app_id>": "<master key>"}`). The error messages name apps, never keys.
 */
export class AppKeys {
  readonly #keys: ReadonlyMap<string, string>;

  private constructor(keys: Map<string, string>) {
    this.#keys = keys;
  }

  static parse(json: string | undefined, variable = 'SIGNATURE_APP_KEYS'): AppKeys {
    if (json === undefined)
      throw new ConfigError(`${variable}: set it (or ${variable}_FILE) to {"<app_id>": "<master key>"}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new ConfigError(`${variable}: must be a JSON object {"<app_id>": "<master key>"}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`${variable}: must be a JSON object {"<app_id>": "<master key>"}`);
    }
    const keys = new Map<string, string>();
    for (const [appId, key] of Object.entries(parsed)) {
      if (typeof key !== 'string' || key.length === 0) {
        throw new ConfigError(`${variable}: the key of app ${quote(appId)} must be a non-empty string`);
      }
      keys.set(appId, key);
    }
    if (keys.size === 0) throw new ConfigError(`${variable}: must name at least one app`);
    return new AppKeys(keys);
  }

  keyOf(appId: string): string | undefined {
    return this.#keys.get(appId);
  }

  get appIds(): string[] {
    return [...this.#keys.keys()];
  }
}
