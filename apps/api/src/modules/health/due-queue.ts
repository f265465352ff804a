/** A binary min-heap of (dueAt, key) pairs; stale pairs are skipped by the caller via `gen`. */
export interface DueItem {
  dueAt: number;
  key: string;
  gen: number;
}

export class DueQueue {
  private readonly heap: DueItem[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): DueItem | undefined {
    return this.heap[0];
  }

  push(item: DueItem): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.dueAt <= item.dueAt) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = item;
  }

  pop(): DueItem | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.dueAt < h[l]!.dueAt ? r : l;
      if (h[c]!.dueAt >= last.dueAt) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}
