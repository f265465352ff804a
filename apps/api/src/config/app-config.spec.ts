import { describe, expect, it } from '@jest/globals';
import { AppConfig, ConfigError } from './app-config.js';

describe('log format', () => {
  it('is readable on a terminal and JSON anywhere else', () => {
    expect(AppConfig.fromEnv({}, true).logFormat).toBe('pretty');
    expect(AppConfig.fromEnv({}, false).logFormat).toBe('json');
  });

  it('follows PORTICO_LOG_FORMAT whatever stdout is', () => {
    expect(AppConfig.fromEnv({ PORTICO_LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(AppConfig.fromEnv({ PORTICO_LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
  });

  it('refuses any other value, naming the setting', () => {
    expect(() => AppConfig.fromEnv({ PORTICO_LOG_FORMAT: 'xml' }, false)).toThrow(ConfigError);
    expect(() => AppConfig.fromEnv({ PORTICO_LOG_FORMAT: 'xml' }, false)).toThrow(/PORTICO_LOG_FORMAT/);
  });
});
