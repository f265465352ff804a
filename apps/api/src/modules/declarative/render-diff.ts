import { AppError } from '../../common/errors/app-error.js';
import type { FleetState, RenderedFile } from '../render/fleet-state.js';

export interface FileChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
}

export interface AgentFileDiff {
  agent: string;
  /** added/removed: the agent itself is created or deleted by the plan. */
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  files: FileChange[];
  /** The would-be state does not render for this agent (the deployment would refuse it). */
  error?: { code: string; message: string; details?: unknown };
}

type Render = (state: FleetState, agentId: string) => { files: RenderedFile[] };
type Outcome = { files: RenderedFile[] } | { error: NonNullable<AgentFileDiff['error']> };

function tryRender(render: Render, state: FleetState, agentId: string): Outcome {
  try {
    return { files: render(state, agentId).files };
  } catch (error) {
    if (error instanceof AppError)
      return { error: { code: error.code, message: error.message, details: error.details } };
    throw error;
  }
}

/** Which files change on each agent, matched by agent name (new agents get new ids). */
export function diffAgentFiles(before: FleetState, after: FleetState, render: Render): AgentFileDiff[] {
  const names = [...new Set([...before.agents, ...after.agents].map((a) => a.name))].sort();
  return names.map((name): AgentFileDiff => {
    const was = before.agents.find((a) => a.name === name);
    const will = after.agents.find((a) => a.name === name);
    const old: Outcome = was ? tryRender(render, before, was.id) : { files: [] };
    const next: Outcome = will ? tryRender(render, after, will.id) : { files: [] };
    if ('error' in next) return { agent: name, status: 'changed', files: [], error: next.error };
    const oldFiles = new Map('files' in old ? old.files.map((f) => [f.path, f]) : []);
    const newFiles = new Map(next.files.map((f) => [f.path, f]));
    const files: FileChange[] = [];
    for (const [path, f] of newFiles) {
      const o = oldFiles.get(path);
      if (!o) files.push({ path, change: 'added' });
      else if (o.sha256 !== f.sha256 || o.mode !== f.mode) files.push({ path, change: 'changed' });
    }
    for (const path of oldFiles.keys()) if (!newFiles.has(path)) files.push({ path, change: 'removed' });
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const status = !was ? 'added' : !will ? 'removed' : files.length ? 'changed' : 'unchanged';
    return { agent: name, status, files };
  });
}
