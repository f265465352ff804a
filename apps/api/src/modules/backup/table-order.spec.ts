import { describe, expect, it } from '@jest/globals';
import { orderByForeignKeys } from './table-order.js';

describe('orderByForeignKeys', () => {
  it('puts parents before children and ignores self-references and outside tables', () => {
    const order = orderByForeignKeys(
      ['Route', 'Site', 'Upstream', 'Deployment'],
      [
        { child: 'Route', parent: 'Site' },
        { child: 'Route', parent: 'Upstream' },
        { child: 'Deployment', parent: 'Deployment' },
        { child: 'Site', parent: 'Certificate' },
      ],
    );
    expect(order.indexOf('Site')).toBeLessThan(order.indexOf('Route'));
    expect(order.indexOf('Upstream')).toBeLessThan(order.indexOf('Route'));
    expect(order).toHaveLength(4);
  });

  it('refuses a cycle', () => {
    expect(() =>
      orderByForeignKeys(
        ['A', 'B'],
        [
          { child: 'A', parent: 'B' },
          { child: 'B', parent: 'A' },
        ],
      ),
    ).toThrow(/cycle/);
  });
});
