import { AppError, type FieldError } from '../../common/errors/app-error.js';
import type { Tx } from '../../database/prisma.service.js';
import type { Actor } from '../auth/principal.js';

/** The aggregates whose writes make up the desired state. */
export type AggregateKind = 'agent' | 'upstream' | 'certificatePolicy' | 'site' | 'service';

/**
 * One change of the desired state in progress: the transaction it writes in, who is acting,
 * and which objects it touched (by name, before and after a rename). Every aggregate's write
 * operation takes one, so the door that opened it (REST, /apply, /restore) cannot skip what
 * the writer does when the change ends: cross-object invariants, then one revision bump.
 */
export class StateChange {
  private readonly touched = new Map<string, string>();
  /** Where the input of the object being written sits in the request ('' for a REST body). */
  private at = '';

  constructor(
    readonly tx: Tx,
    readonly actor: Actor,
  ) {}

  get changed(): boolean {
    return this.touched.size > 0;
  }

  touch(kind: AggregateKind, ...names: string[]): void {
    for (const name of names) this.touched.set(`${kind}:${name}`, this.at);
  }

  /** Marks an object whose input sits at `at` (a restore names every stored object). */
  touchAt(at: string, kind: AggregateKind, name: string): void {
    this.touched.set(`${kind}:${name}`, at);
  }

  touches(kind: AggregateKind, name: string): boolean {
    return this.touched.has(`${kind}:${name}`);
  }

  names(kind: AggregateKind): Set<string> {
    const prefix = `${kind}:`;
    return new Set(
      [...this.touched.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
    );
  }

  /** A field of a touched object as the caller named it: `targets` or `upstreams.2.targets`. */
  fieldOf(kind: AggregateKind, name: string, field: string): string {
    const at = this.touched.get(`${kind}:${name}`) ?? '';
    return at ? `${at}.${field}` : field;
  }

  /**
   * Writes one object whose input sits at `at` in a larger request (a fleet document): field
   * errors it raises come back under that path, so every door names the same field.
   */
  async within<T>(at: string, write: () => Promise<T>): Promise<T> {
    const outer = this.at;
    this.at = at;
    try {
      return await write();
    } catch (error) {
      throw prefixed(error, at);
    } finally {
      this.at = outer;
    }
  }
}

/** The same error with its field paths under `at`. */
export function prefixed(error: unknown, at: string): unknown {
  if (!(error instanceof AppError) || !at) return error;
  if (!Array.isArray(error.details)) {
    return new AppError(error.code, `${at}: ${error.message}`, [
      { field: at, message: error.message, reason: error.code },
    ]);
  }
  const details = (error.details as FieldError[]).map((d) => ({ ...d, field: `${at}.${d.field}` }));
  const message = details.map((d) => `${d.field}: ${d.message}`).join('; ');
  return new AppError(error.code, message || error.message, details);
}
