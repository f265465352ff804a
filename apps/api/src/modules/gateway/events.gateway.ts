import type { IncomingMessage } from 'node:http';
import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { AppConfig } from '../../config/app-config.js';
import { Public } from '../auth/auth.decorators.js';
import { AuthService } from '../auth/auth.service.js';
import { SESSION_COOKIE, TOKEN_PREFIX } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import { fromAllowedOrigin } from '../auth/request-origin.js';
import { EventBus } from '../events/event-bus.js';
import type { PorticoEvent, Topic } from '../events/portico-event.js';
import { healthEventForViewers, seesProbeDetail, snapshotForViewers } from '../health/viewer-redaction.js';
import { GatewayClient } from './gateway-client.js';
import { mayWatch, parseTopic } from './topic-access.js';
import { TopicSnapshots } from './topic-snapshots.js';

/**
 * Close codes in the 4000 range are the application's (RFC 6455 §7.4.2), listed in docs/api.md:
 * 4401 the credentials are gone (never valid, revoked, logged out, expired, user disabled or
 * deleted); 4403 not allowed (a cookie from a page of another origin, or credentials that
 * no longer grant `read`).
 */
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;

/** What the socket authenticated with, kept to look it up again. */
interface Credential {
  bearer?: string;
  session?: string;
}

/**
 * Live events for dashboards at /api/v1/ws. The client authenticates on connect (session
 * cookie, `Authorization: Bearer ptk_…`, or `?token=` for browsers that cannot set headers),
 * subscribes to topics, gets a snapshot of each, then the deltas. The gateway is one consumer
 * of the event bus; with Redis the bus already carries other instances' events.
 */
// The global HTTP guard does not apply here: the gateway authenticates once, on connect.
@Public()
@WebSocketGateway({ path: '/api/v1/ws', maxPayload: 64 * 1024 })
export class EventsGateway
  implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger(EventsGateway.name);
  private readonly clients = new WeakMap<WebSocket, Promise<GatewayClient | null>>();
  private readonly byTopic = new Map<Topic, Set<GatewayClient>>();
  /** Open, authenticated clients with their credential, for the re-checks. */
  private readonly live = new Map<GatewayClient, Credential>();
  private unsubscribe: (() => void) | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly auth: AuthService,
    private readonly bus: EventBus,
    private readonly snapshots: TopicSnapshots,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe((event) => {
      if (event.type === 'credentials.changed') void this.recheck((c) => c.principal.userId === event.userId);
      else this.fanOut(event);
    });
    // Catches what no event announces: a session or token that expired while the socket is open.
    this.recheckTimer = setInterval(() => void this.recheck(() => true), this.config.wsRecheckMs);
    this.recheckTimer.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    if (this.recheckTimer) clearInterval(this.recheckTimer);
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const credential = credentialOf(request);
    // A page elsewhere can open a socket that carries the user's cookie; only the dashboard may.
    const viaCookie = !credential.bearer?.startsWith(TOKEN_PREFIX) && credential.session !== undefined;
    if (viaCookie && !fromAllowedOrigin(request.headers, this.config.allowedOrigins)) {
      socket.close(CLOSE_FORBIDDEN, 'origin not allowed');
      this.clients.set(socket, Promise.resolve(null));
      return;
    }
    const ready = this.auth.authenticate(credential).then(
      (principal) => {
        if (!principal) {
          socket.close(CLOSE_UNAUTHENTICATED, 'unauthenticated');
          return null;
        }
        const client = new GatewayClient(
          socket,
          principal,
          this.config.health.wsMaxBufferBytes,
          (c, topics) => this.resync(c, topics),
        );
        if (socket.readyState !== socket.OPEN) return null;
        this.live.set(client, credential);
        socket.send(
          JSON.stringify({ event: 'ready', data: { email: principal.email, role: principal.role } }),
        );
        return client;
      },
      (error: Error) => {
        this.logger.warn({ err: error.message }, 'websocket authentication failed');
        socket.close(1011, 'authentication failed');
        return null;
      },
    );
    this.clients.set(socket, ready);
  }

  async handleDisconnect(socket: WebSocket): Promise<void> {
    const client = await this.clients.get(socket);
    if (!client) return;
    this.forget(client);
  }

  private forget(client: GatewayClient): void {
    client.close();
    this.live.delete(client);
    for (const topic of client.topics) this.byTopic.get(topic)?.delete(client);
  }

  /**
   * Looks the credentials of the matching sockets up again: gone → closed 4401; narrowed (a
   * demotion) → the socket continues with the new permissions and is told so, or is closed
   * 4403 when they no longer include `read`. A failed lookup leaves the socket as it was.
   */
  private async recheck(matches: (client: GatewayClient) => boolean): Promise<void> {
    const due = [...this.live].filter(([client]) => matches(client));
    await Promise.all(
      due.map(async ([client, credential]) => {
        const principal = await this.auth.authenticate(credential).catch((error: Error) => {
          this.logger.warn({ err: error.message }, 'websocket credential re-check failed');
          return undefined;
        });
        if (principal === undefined || !this.live.has(client)) return;
        const socket = client.socket as unknown as WebSocket;
        if (!principal) {
          this.forget(client);
          socket.close(CLOSE_UNAUTHENTICATED, 'credentials revoked');
        } else if (!principal.permissions.has('read')) {
          this.forget(client);
          socket.close(CLOSE_FORBIDDEN, 'credentials narrowed');
        } else if (narrowed(client.principal, principal)) {
          client.principal = principal;
          client.send(
            JSON.stringify({
              event: 'credentials',
              data: { role: principal.role, permissions: [...principal.permissions] },
            }),
          );
        }
      }),
    );
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() body: { topic?: unknown },
  ): Promise<void> {
    const client = await this.clients.get(socket);
    if (!client) return;
    const parsed = parseTopic(body?.topic);
    if (!parsed)
      return this.error(
        client,
        'INVALID_TOPIC',
        body?.topic,
        'expected fleet or <site|agent|upstream|deployment|certificate>:<uuid>',
      );
    if (!mayWatch(client.principal, parsed))
      return this.error(client, 'FORBIDDEN', parsed.topic, 'this needs the "read" permission');
    const topic = parsed.topic;
    client.hold(topic);
    const snapshot = await this.snapshots.read(parsed).catch((error: Error) => {
      this.logger.warn({ err: error.message, topic }, 'snapshot failed');
      return undefined;
    });
    if (!snapshot) {
      client.release(topic);
      return this.error(
        client,
        snapshot === null ? 'NOT_FOUND' : 'SNAPSHOT_FAILED',
        topic,
        'nothing to watch here',
      );
    }
    // Subscribed before the snapshot is sent: deltas from now on are held, then follow it.
    client.topics.add(topic);
    const set = this.byTopic.get(topic) ?? new Set<GatewayClient>();
    this.byTopic.set(topic, set);
    set.add(client);
    client.send(
      JSON.stringify({
        event: 'snapshot',
        data: { topic, at: new Date().toISOString(), ...this.asSeenBy(client, snapshot) },
      }),
    );
    client.release(topic);
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribeTopic(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() body: { topic?: unknown },
  ): Promise<void> {
    const client = await this.clients.get(socket);
    const parsed = parseTopic(body?.topic);
    if (!client || !parsed) return;
    client.topics.delete(parsed.topic);
    this.byTopic.get(parsed.topic)?.delete(client);
    client.send(JSON.stringify({ event: 'unsubscribed', data: { topic: parsed.topic } }));
  }

  @SubscribeMessage('ping')
  async ping(@ConnectedSocket() socket: WebSocket): Promise<void> {
    const client = await this.clients.get(socket);
    client?.send(JSON.stringify({ event: 'pong', data: { at: new Date().toISOString() } }));
  }

  /** Serializes once, sends once per client even when several of its topics match. */
  private fanOut(event: PorticoEvent): void {
    // Two wordings at most: viewers read states, not socket errors (health/viewer-redaction.ts).
    let payload: string | null = null;
    let viewerPayload: string | null = null;
    const seen = new Set<GatewayClient>();
    for (const topic of event.topics) {
      const set = this.byTopic.get(topic);
      if (!set) continue;
      for (const client of set) {
        if (seen.has(client)) continue;
        seen.add(client);
        if (seesProbeDetail(client.principal.permissions)) {
          payload ??= JSON.stringify({ event: 'event', data: event });
          client.deliver(payload, topic);
        } else {
          viewerPayload ??= JSON.stringify({ event: 'event', data: healthEventForViewers(event) });
          client.deliver(viewerPayload, topic);
        }
      }
    }
  }

  private async resync(client: GatewayClient, topics: Topic[]): Promise<void> {
    for (const topic of topics) {
      const parsed = parseTopic(topic);
      if (!parsed) continue;
      client.hold(topic);
      const snapshot = await this.snapshots.read(parsed).catch(() => null);
      if (snapshot)
        client.send(
          JSON.stringify({
            event: 'snapshot',
            data: { topic, at: new Date().toISOString(), resync: true, ...this.asSeenBy(client, snapshot) },
          }),
        );
      client.release(topic);
    }
  }

  private asSeenBy(client: GatewayClient, snapshot: Record<string, unknown>): Record<string, unknown> {
    return seesProbeDetail(client.principal.permissions) ? snapshot : snapshotForViewers(snapshot);
  }

  private error(client: GatewayClient, code: string, topic: unknown, message: string): void {
    client.send(JSON.stringify({ event: 'error', data: { code, topic, message } }));
  }
}

function credentialOf(request: IncomingMessage): Credential {
  const header = request.headers.authorization;
  const url = new URL(request.url ?? '/', 'http://localhost');
  const bearer = header?.startsWith('Bearer ')
    ? header.slice(7).trim()
    : (url.searchParams.get('token') ?? undefined);
  return { bearer, session: cookieValue(request.headers.cookie, SESSION_COOKIE) };
}

function narrowed(before: Principal, after: Principal): boolean {
  return before.role !== after.role || [...before.permissions].some((p) => !after.permissions.has(p));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
