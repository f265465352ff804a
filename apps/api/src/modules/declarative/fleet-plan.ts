import { type AnyObject, type FleetObjects, KINDS, type Kind, sameValue } from './fleet-objects.js';

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export type ChangeAction = 'create' | 'update' | 'delete';

export interface PlannedChange {
  action: ChangeAction;
  /** Singular kind: agent, upstream, certificatePolicy, site, service. */
  kind: (typeof SINGULAR)[Kind];
  name: string;
  /** Field-level diff of an update; every field of a create; nothing for a delete. */
  fields: FieldChange[];
}

export interface FleetPlan {
  changes: PlannedChange[];
  summary: { create: number; update: number; delete: number; unchanged: number };
  /** Kinds the document manages (its sections); other kinds were left alone. */
  managed: Kind[];
}

const SINGULAR = {
  agents: 'agent',
  upstreams: 'upstream',
  certificatePolicies: 'certificatePolicy',
  sites: 'site',
  services: 'service',
} as const;

/** Field-level differences between two canonical objects of one kind. */
export function diffFields(before: AnyObject, after: AnyObject): FieldChange[] {
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return fields.filter((f) => !sameValue(b[f], a[f])).map((f) => ({ field: f, before: b[f], after: a[f] }));
}

/**
 * What applying `desired` to `current` does, object by object, matched by name. Pure: the
 * same inputs give the same plan, listed in kind order and then by name.
 */
export function planFleet(current: FleetObjects, desired: Partial<FleetObjects>): FleetPlan {
  const changes: PlannedChange[] = [];
  let unchanged = 0;
  const managed = KINDS.filter((k) => desired[k] !== undefined);
  for (const kind of managed) {
    const want = desired[kind] as AnyObject[];
    const have = new Map((current[kind] as AnyObject[]).map((o) => [o.name, o]));
    const wanted = new Set(want.map((o) => o.name));
    for (const obj of want) {
      const existing = have.get(obj.name);
      if (!existing) {
        const fields = Object.entries(obj).map(([field, after]) => ({ field, before: undefined, after }));
        changes.push({ action: 'create', kind: SINGULAR[kind], name: obj.name, fields });
        continue;
      }
      const fields = diffFields(existing, obj);
      if (fields.length) changes.push({ action: 'update', kind: SINGULAR[kind], name: obj.name, fields });
      else unchanged++;
    }
    for (const obj of have.values()) {
      if (!wanted.has(obj.name))
        changes.push({ action: 'delete', kind: SINGULAR[kind], name: obj.name, fields: [] });
    }
  }
  const count = (a: ChangeAction) => changes.filter((c) => c.action === a).length;
  return {
    changes,
    summary: { create: count('create'), update: count('update'), delete: count('delete'), unchanged },
    managed,
  };
}
