import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import pg from 'pg';

/** First half of every agent lock key ("port"), so Portico's locks never meet another app's. */
const NAMESPACE = 0x706f7274;

/**
 * Per-agent mutual exclusion across API instances: Postgres session-level advisory locks, held
 * on one dedicated connection per instance for as long as a target runs. When an instance dies
 * its session ends and Postgres releases its locks, which is also how the survivors tell that a
 * `running` target has no owner any more. Postgres locks are re-entrant within a session; this
 * class is not: an agent held anywhere in this process (a run, a recovery, a drift check) cannot
 * be taken again here until it is released.
 */
export class AgentLocks {
  private readonly logger = new Logger('AgentLocks');
  #client: pg.Client | null = null;
  #opening: Promise<pg.Client> | null = null;
  /** Agents this process holds (with Postgres, also what its session holds). */
  readonly #local = new Set<string>();

  /**
   * `databaseUrl` null: the embedded database, which only ever has one instance (this process)
   * and few connections to spare; the locks are then kept in memory.
   */
  constructor(private readonly databaseUrl: string | null) {}

  static key(agentId: string): number {
    return createHash('sha256').update(agentId).digest().readInt32BE(0);
  }

  /** True when this instance now holds the agent; false while another session does. */
  async tryLock(agentId: string): Promise<boolean> {
    if (this.#local.has(agentId)) return false;
    this.#local.add(agentId); // reserved before the query: two callers here never both win
    if (this.databaseUrl === null) return true;
    try {
      const client = await this.client();
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok',
        [NAMESPACE, AgentLocks.key(agentId)],
      );
      if (rows[0]?.ok === true) return true;
    } catch (error) {
      this.#local.delete(agentId);
      throw error;
    }
    this.#local.delete(agentId);
    return false;
  }

  async unlock(agentId: string): Promise<void> {
    if (!this.#local.delete(agentId)) return; // not held here
    if (this.databaseUrl === null) return;
    const client = this.#client;
    if (!client) return; // the session is gone, and its locks with it
    await client.query('SELECT pg_advisory_unlock($1::int4, $2::int4)', [NAMESPACE, AgentLocks.key(agentId)]);
  }

  /** Ends the session: every lock this instance held is released at once. */
  async close(): Promise<void> {
    this.#local.clear();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  private async client(): Promise<pg.Client> {
    const connectionString = this.databaseUrl;
    if (connectionString === null) throw new Error('no lock connection on the embedded database');
    if (this.#client) return this.#client;
    this.#opening ??= (async () => {
      const client = new pg.Client({
        connectionString,
        application_name: 'portico-agent-locks',
      });
      client.on('error', (error) => {
        // Postgres released every lock of the lost session; in-flight targets finish unguarded and
        // nothing new is claimed until a new session is open.
        this.logger.error({ err: error }, 'agent lock connection lost');
        if (this.#client === client) this.#client = null;
      });
      await client.connect();
      this.#client = client;
      return client;
    })().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }
}
