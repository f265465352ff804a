import { describe, expect, test } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { referenceFleet } from '../../../../../test/fixtures/fleet-state.factory.js';
import { RenderModule } from './render.module.js';
import { RenderService } from './render.service.js';
import { agentHash } from './rendered-file.js';

describe('RenderService', () => {
  test('is provided by RenderModule and packages files, hash and Apache modules', async () => {
    const module = await Test.createTestingModule({ imports: [RenderModule] }).compile();
    const service = module.get(RenderService);
    const result = service.renderAgent(referenceFleet({ flavor: 'apache' }), 'agent-edge');
    expect(result.hash).toBe(agentHash(result.files));
    expect(result.apacheModules).toEqual([
      'alias',
      'authz_core',
      'headers',
      'proxy',
      'proxy_http',
      'rewrite',
      'ssl',
    ]);
    expect(service.renderAgent(referenceFleet(), 'agent-edge').apacheModules).toEqual([]);
    expect(service.renderSite(referenceFleet(), 'site-chat', 'nginx')[0]?.path).toBe('nginx/sites/chat.conf');
  });
});
