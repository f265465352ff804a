import { describe, expect, it } from '@jest/globals';
import { createUpstreamSchema, updateUpstreamSchema } from './upstream.schema.js';

const target = (scheme: 'http' | 'https' | undefined, port: number) => ({
  host: '10.0.0.1',
  port,
  ...(scheme ? { scheme } : {}),
});

describe('upstream targets', () => {
  it('share one scheme: an upstream block speaks one protocol to its members', () => {
    const mixed = createUpstreamSchema.safeParse({
      name: 'mix',
      targets: [target('http', 1), target('https', 2)],
    });
    expect(mixed.success).toBe(false);
    expect(mixed.error?.issues[0]?.message).toBe('targets must all use the same scheme (http or https)');
    expect(
      updateUpstreamSchema.safeParse({ targets: [target(undefined, 1), target('https', 2)] }).success,
    ).toBe(false);
  });

  it('accept several targets of one scheme, the default counting as http', () => {
    expect(
      createUpstreamSchema.safeParse({ name: 'a', targets: [target(undefined, 1), target('http', 2)] })
        .success,
    ).toBe(true);
    expect(
      createUpstreamSchema.safeParse({ name: 'b', targets: [target('https', 1), target('https', 2)] })
        .success,
    ).toBe(true);
  });

  it('are unique by host and port', () => {
    expect(
      createUpstreamSchema.safeParse({ name: 'c', targets: [target('http', 1), target('http', 1)] }).success,
    ).toBe(false);
  });
});
