import { ConfigError } from '@im/config';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

describe('broadcast readConfig', () => {
  it('uses its own database when MONGO_URL names none', () => {
    const config = readConfig({});
    expect(config.dbName).toBe('im_broadcast');
    expect(config.pushTimeZone).toBe('Asia/Shanghai');
    expect(config.faultCrashBeforePublish).toBe(false);
  });

  it('follows a database named in MONGO_URL', () => {
    expect(readConfig({ MONGO_URL: 'mongodb://db:27017/im' }).dbName).toBe('im');
  });

  it('asks the workers about deliveries with a timeout below the gateway’s', () => {
    expect(readConfig({}).deliveriesTimeoutMs).toBe(2_000);
    expect(readConfig({ BROADCAST_DELIVERIES_TIMEOUT_MS: '750' }).deliveriesTimeoutMs).toBe(750);
    expect(() => readConfig({ BROADCAST_DELIVERIES_TIMEOUT_MS: '10' })).toThrow(
      /BROADCAST_DELIVERIES_TIMEOUT_MS/,
    );
  });

  it('refuses an unknown time zone at start-up', () => {
    expect(() => readConfig({ PUSH_TIMEZONE: 'Asia/Atlantis' })).toThrow(ConfigError);
    expect(() => readConfig({ PUSH_TIMEZONE: 'Asia/Atlantis' })).toThrow(/PUSH_TIMEZONE/);
  });

  it('parks an event after 10 failed relay attempts unless RELAY_MAX_ATTEMPTS says otherwise', () => {
    expect(readConfig({}).relayMaxAttempts).toBe(10);
    expect(readConfig({ RELAY_MAX_ATTEMPTS: '3' }).relayMaxAttempts).toBe(3);
    expect(() => readConfig({ RELAY_MAX_ATTEMPTS: '0' })).toThrow(/RELAY_MAX_ATTEMPTS/);
  });

  it('reads the test-only fault switch', () => {
    expect(readConfig({ BROADCAST_FAULT_CRASH_BEFORE_PUBLISH: '1' }).faultCrashBeforePublish).toBe(true);
    expect(() => readConfig({ BROADCAST_FAULT_CRASH_BEFORE_PUBLISH: 'yes' })).toThrow(ConfigError);
  });
});
