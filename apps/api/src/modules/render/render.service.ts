import { Injectable } from '@nestjs/common';
import { renderAgent, renderSite, renderUnit, requiredApacheModules } from './agent-renderer.js';
import type { FleetState, ProxyFlavor, RenderedFile } from './fleet-state.js';
import { agentHash } from './rendered-file.js';

export interface AgentRender {
  agentId: string;
  files: RenderedFile[];
  /** sha256 over every path, mode and content hash: equal exactly when the trees are. */
  hash: string;
  /** Apache modules the tree needs (empty for nginx agents). */
  apacheModules: string[];
}

/**
 * Nest's door to the renderer. Rendering itself is pure functions of a FleetState; this class
 * only packages their results for controllers (previews) and the deploy engine.
 */
@Injectable()
export class RenderService {
  renderAgent(state: FleetState, agentId: string): AgentRender {
    const files = renderAgent(state, agentId);
    const agent = state.agents.find((a) => a.id === agentId);
    return {
      agentId,
      files,
      hash: agentHash(files),
      apacheModules: agent?.flavor === 'apache' ? requiredApacheModules(state, agentId) : [],
    };
  }

  renderSite(state: FleetState, siteId: string, flavor: ProxyFlavor): RenderedFile[] {
    return renderSite(state, siteId, flavor);
  }

  renderUnit(state: FleetState, serviceId: string): RenderedFile {
    return renderUnit(state, serviceId);
  }
}
