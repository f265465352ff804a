/**
 * Tables ordered so every table comes after the tables its foreign keys point at (rows can be
 * inserted in this order). Self-references are fine within one INSERT; a cycle between tables
 * cannot be ordered and is an error, not a silently broken restore.
 */
export function orderByForeignKeys(tables: string[], edges: { child: string; parent: string }[]): string[] {
  const set = new Set(tables);
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of edges) {
    if (child !== parent && set.has(child) && set.has(parent)) parents.get(child)!.add(parent);
  }
  const ordered: string[] = [];
  const done = new Set<string>();
  let pending = [...tables].sort();
  while (pending.length) {
    const ready = pending.filter((t) => [...parents.get(t)!].every((p) => done.has(p)));
    if (!ready.length) throw new Error(`foreign keys form a cycle among: ${pending.join(', ')}`);
    for (const t of ready) {
      ordered.push(t);
      done.add(t);
    }
    pending = pending.filter((t) => !done.has(t));
  }
  return ordered;
}
