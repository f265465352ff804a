import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';

export type DraftState = 'idle' | 'rendering' | 'ready' | 'failed';

export interface DraftRender<R> {
  /** The last successful render; kept while a later draft fails, so the page does not jump. */
  data: R | undefined;
  /** Why the latest draft did not render (400 with field errors, 422 RENDER_FAILED, …). */
  error: ApiError | null;
  state: DraftState;
}

/**
 * Renders a form's unsaved draft through the API as the user types: `delayMs` after the last
 * change (and at once for the first draft), cancelling a render still in flight, so only the
 * latest draft's answer is ever shown. `key` adds what else selects the render (the flavor).
 */
export function useDraftRender<B, R>(
  draft: B | null,
  key: string,
  render: (body: B, signal: AbortSignal) => Promise<R>,
  delayMs = 300,
): DraftRender<R> {
  const [data, setData] = useState<R>();
  const [error, setError] = useState<ApiError | null>(null);
  const [state, setState] = useState<DraftState>('idle');
  const first = useRef(true);
  const latest = useRef(render);
  latest.current = render;
  const serialized = draft === null ? null : JSON.stringify(draft);

  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for what render closes over
  useEffect(() => {
    if (serialized === null) return;
    const controller = new AbortController();
    const wait = first.current ? 0 : delayMs;
    first.current = false;
    const timer = setTimeout(() => {
      setState('rendering');
      latest.current(JSON.parse(serialized) as B, controller.signal).then(
        (result) => {
          if (controller.signal.aborted) return;
          setData(result);
          setError(null);
          setState('ready');
        },
        (e: unknown) => {
          if (controller.signal.aborted) return;
          setError(e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e), undefined));
          setState('failed');
        },
      );
    }, wait);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [serialized, key, delayMs]);

  return { data, error, state };
}
