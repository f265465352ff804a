import type { FileSnapshotRepository } from './file-snapshot.repository.js';
import type { SettlementTree } from './host-settlement.js';
import { httpChecks, type StoredCheck } from './verify-checks.js';

/** A stored tree (a target's or the agent's last verified one) with its files and checks. */
export async function loadSettlementTree(
  snapshots: FileSnapshotRepository,
  row: { revision: number; snapshotHash: string; checks: unknown },
): Promise<SettlementTree> {
  return {
    revision: row.revision,
    snapshotHash: row.snapshotHash,
    files: await snapshots.load(row.snapshotHash),
    checks: httpChecks(row.checks as StoredCheck[]),
  };
}
