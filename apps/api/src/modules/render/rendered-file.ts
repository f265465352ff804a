import { createHash } from 'node:crypto';
import type { RenderedFile } from './fleet-state.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function renderedFile(path: string, mode: number, content: string): RenderedFile {
  return { path, mode, content, sha256: sha256(content) };
}

/**
 * One hash for an agent's whole tree: equal exactly when every path, mode and content is.
 * Order-independent, so callers may hand files over in any order.
 */
export function agentHash(files: readonly RenderedFile[]): string {
  const lines = files.map((f) => `${f.path}\0${f.mode.toString(8)}\0${f.sha256}\n`).sort();
  return sha256(lines.join(''));
}

export function byPath(a: RenderedFile, b: RenderedFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
