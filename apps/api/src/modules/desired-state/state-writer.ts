import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../database/prisma.service.js';
import type { Actor } from '../auth/principal.js';
import { RevisionService } from '../revisions/revision.service.js';
import { FleetInvariants } from './fleet-invariants.js';
import { StateChange } from './state-change.js';

type TxOptions = { maxWait?: number; timeout?: number };

/**
 * Opens and ends every change of the desired state, whichever door it comes through. The
 * aggregates' operations do the writes (authorization, validation, references, version, audit);
 * what holds across them happens here once per change, before it commits: the cross-object
 * invariants over everything touched, then one revision bump.
 */
@Injectable()
export class StateWriter {
  constructor(
    private readonly prisma: PrismaService,
    private readonly revisions: RevisionService,
    private readonly invariants: FleetInvariants,
  ) {}

  run<T>(actor: Actor, write: (change: StateChange) => Promise<T>, options?: TxOptions): Promise<T> {
    return this.prisma.$transaction((tx) => this.runIn(tx, actor, write), options);
  }

  /** The same inside a transaction the caller owns (an apply, a restore, a dry run). */
  async runIn<T>(tx: Tx, actor: Actor, write: (change: StateChange) => Promise<T>): Promise<T> {
    const change = new StateChange(tx, actor);
    const result = await write(change);
    await this.end(change);
    return result;
  }

  /** What every change owes before it commits; a no-op when nothing was touched. */
  async end(change: StateChange): Promise<number | null> {
    if (!change.changed) return null;
    await this.invariants.check(change);
    return this.revisions.bump(change.tx);
  }
}
