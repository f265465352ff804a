import { Prisma } from '../generated/prisma/client.js';

/**
 * Runs a transaction again when Postgres broke a deadlock by aborting it. Only for writers that
 * take many tables at once (restore truncates every table while probes keep reporting health):
 * Postgres picks a victim at random, and the victim's work is safe to redo from the start.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isDeadlock(error)) throw error;
    }
  }
}

function isDeadlock(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  // P2034: Prisma's "write conflict or deadlock"; raw statements surface Postgres' own code.
  return error.code === 'P2034' || /\b40P01\b|deadlock detected/.test(error.message);
}
