import { useEffect, useMemo, useRef, useState } from 'react';
import type { HealthStatus } from '../api/client';
import { api, call } from '../api/client';
import type { HealthItem, ProbeResult } from '../api/types';
import { type LiveEvent, useTopic } from './gateway';

const RANK: Record<HealthStatus, number> = { unknown: 0, up: 1, degraded: 2, down: 3 };

export interface FleetHealth {
  /** checkKey → current item */
  checks: Map<string, HealthItem>;
  /** Worst status per "subjectType:subjectId" (a site with one red check is red). */
  worst: (subjectType: string, subjectId: string) => HealthStatus;
  live: boolean;
}

/**
 * Current health of every check: the fleet topic's snapshot, then health events. Events are
 * applied to a buffer and flushed at most every 250 ms, so a burst of results (10/s and more)
 * costs a few renders, not one per event.
 */
export function useFleetHealth(onEvent?: (e: LiveEvent) => void): FleetHealth {
  const buffer = useRef(new Map<string, HealthItem>());
  const [version, setVersion] = useState(0);
  const [live, setLive] = useState(false);
  const dirty = useRef(false);

  useEffect(() => {
    // REST first, so the page has colours even before (or without) the WebSocket.
    call(api.GET('/api/v1/health', {})).then(
      ({ items }) => {
        if (buffer.current.size === 0) for (const i of items) buffer.current.set(i.checkKey, i);
        setVersion((v) => v + 1);
      },
      () => undefined,
    );
    const timer = setInterval(() => {
      if (!dirty.current) return;
      dirty.current = false;
      setVersion((v) => v + 1);
    }, 250);
    return () => clearInterval(timer);
  }, []);

  useTopic('fleet', {
    snapshot: (s) => {
      buffer.current = new Map((s.health as HealthItem[]).map((i) => [i.checkKey, i]));
      setLive(true);
      setVersion((v) => v + 1);
    },
    event: (e) => {
      onEvent?.(e);
      if (!e.type.startsWith('health.') || !e.checkKey || !e.status) return;
      const prev = buffer.current.get(e.checkKey);
      buffer.current.set(e.checkKey, {
        checkKey: e.checkKey,
        subjectType: e.subjectType ?? prev?.subjectType ?? '',
        subjectId: e.subjectId ?? prev?.subjectId ?? '',
        status: e.status as HealthStatus,
        since: e.type === 'health.transition' ? e.at : (prev?.since ?? e.at),
        detail: prev?.detail ?? {},
        latest:
          e.outcome !== undefined
            ? {
                checkKey: e.checkKey,
                status: e.status as HealthStatus,
                outcome: e.outcome as ProbeResult['outcome'],
                latencyMs: e.latencyMs ?? 0,
                message: e.message ?? '',
                at: e.at,
              }
            : (prev?.latest ?? null),
      });
      dirty.current = true;
    },
  });

  // Rebuilt per flush, not per event, in the flush's own render (not one render later).
  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the flush signal
  const index = useMemo(() => {
    const worst = new Map<string, HealthStatus>();
    for (const item of buffer.current.values()) {
      const key = `${item.subjectType}:${item.subjectId}`;
      const current = worst.get(key);
      if (!current || RANK[item.status] > RANK[current]) worst.set(key, item.status);
    }
    return worst;
  }, [version]);

  return {
    checks: buffer.current,
    worst: (type, id) => index.get(`${type}:${id}`) ?? 'unknown',
    live,
  };
}
