import { createHash } from 'node:crypto';
import type { RenderedFile } from '../render/fleet-state.js';

/** What a host has for one file of the live tree. */
export interface HostFileState {
  sha256: string;
  mode: number;
}

/** Expected tree vs. what is on the host; every list sorted by path. */
export interface TreeDiff {
  /** Same content and mode. */
  unchanged: string[];
  /** Same content, other mode (copied host-side, then chmod). */
  modeChanged: string[];
  /** On the host with other content: uploaded. */
  changed: string[];
  /** Expected but absent on the host: uploaded. */
  missing: string[];
  /** On the host but no longer expected: left out of the next tree. */
  extra: string[];
}

export const MANIFEST_NAME = '.portico-manifest.json';

/** Written into every revision tree: what Portico put there, to tell deploys from hand edits. */
export interface RevisionManifest {
  revision: string;
  files: { path: string; mode: number; sha256: string }[];
}

export function diffTree(expected: RenderedFile[], host: ReadonlyMap<string, HostFileState>): TreeDiff {
  const diff: TreeDiff = { unchanged: [], modeChanged: [], changed: [], missing: [], extra: [] };
  const wanted = new Set<string>();
  for (const file of expected) {
    wanted.add(file.path);
    const there = host.get(file.path);
    if (!there) diff.missing.push(file.path);
    else if (there.sha256 !== file.sha256) diff.changed.push(file.path);
    else if ((there.mode & 0o7777) !== (file.mode & 0o7777)) diff.modeChanged.push(file.path);
    else diff.unchanged.push(file.path);
  }
  for (const path of host.keys()) if (!wanted.has(path)) diff.extra.push(path);
  for (const list of Object.values(diff)) list.sort();
  return diff;
}

export function isIdentical(diff: TreeDiff): boolean {
  return diff.changed.length + diff.missing.length + diff.extra.length + diff.modeChanged.length === 0;
}

export function buildManifest(revision: string, files: RenderedFile[]): RevisionManifest {
  return {
    revision,
    files: files
      .map((f) => ({ path: f.path, mode: f.mode & 0o7777, sha256: f.sha256 }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

// Everything below ends up inside shell commands and file names on the host; a strict alphabet
// means no quoting mistake can turn a path into a command, and no path can leave the tree.
const SAFE_PATH = /^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*(\/[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*)*$/;
const SAFE_REVISION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Problems that make a file set undeployable; empty when it is fine. */
export function checkFileSet(revision: string, files: RenderedFile[]): string[] {
  const problems: string[] = [];
  if (!SAFE_REVISION.test(revision)) problems.push(`revision id "${revision}" must match ${SAFE_REVISION}`);
  const seen = new Set<string>();
  for (const f of files) {
    if (!SAFE_PATH.test(f.path) || f.path.split('/').includes('..')) {
      problems.push(`path "${f.path}" must be relative, without "..", in [A-Za-z0-9._@+-/]`);
    }
    if (f.path === MANIFEST_NAME) problems.push(`path "${f.path}" is reserved`);
    if (seen.has(f.path)) problems.push(`path "${f.path}" appears twice`);
    seen.add(f.path);
    if (createHash('sha256').update(f.content).digest('hex') !== f.sha256) {
      problems.push(`path "${f.path}": sha256 does not match its content`);
    }
    if (!Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0o7777)
      problems.push(`path "${f.path}" has mode ${f.mode}`);
  }
  return problems;
}
