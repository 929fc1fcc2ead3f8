import { describe, expect, it } from 'vitest';
import { AppKeys } from '../src/app-keys.js';
import { readConfig } from '../src/config.js';

describe('AppKeys', () => {
  it('reads a JSON object of app ids to master keys', () => {
    const keys = AppKeys.parse('{"1": "one", "app2": "two"}');
    expect(keys.keyOf('1')).toBe('one');
    expect(keys.keyOf('app2')).toBe('two');
    expect(keys.keyOf('3')).toBeUndefined();
  });

  it.each([
    ['not json', 'must be a JSON object'],
    ['[]', 'must be a JSON object'],
    ['{}', 'at least one app'],
    ['{"1": ""}', 'app "1" must be a non-empty string'],
  ])('refuses %s, naming the variable and never a key', (json, expected) => {
    expect(() => AppKeys.parse(json)).toThrow(expected);
    expect(() => AppKeys.parse(json)).toThrow(/^SIGNATURE_APP_KEYS: /);
  });

  it('names the variable when neither it nor the file is set', () => {
    expect(() => readConfig({})).toThrow(/SIGNATURE_APP_KEYS: set it \(or SIGNATURE_APP_KEYS_FILE\)/);
  });

  it('never echoes a key in an error', () => {
    try {
      AppKeys.parse('{"1": "s3cret-key", "2": 5}');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret-key');
    }
  });
});
