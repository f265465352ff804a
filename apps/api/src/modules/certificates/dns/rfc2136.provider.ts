import { createHmac, randomInt } from 'node:crypto';
import { connect } from 'node:net';
import type { DnsChallengeProvider } from './dns-provider.js';

const TYPE_SOA = 6;
const TYPE_TXT = 16;
const TYPE_TSIG = 250;
const CLASS_IN = 1;
const CLASS_NONE = 254;
const CLASS_ANY = 255;
const OPCODE_UPDATE = 5;
const FUDGE_SEC = 300;
const TIMEOUT_MS = 5_000;

const RCODES: Record<number, string> = {
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
};

const HMAC: Record<string, string> = {
  'hmac-sha256': 'sha256',
  'hmac-sha512': 'sha512',
  'hmac-sha1': 'sha1',
};

export interface Rfc2136Settings {
  zone: string;
  server: string;
  port: number;
  tsigKeyName: string;
  tsigAlgorithm: string;
  /** Base64, as in BIND's `key { secret "…"; }`. */
  tsigSecret: string;
  ttl?: number;
  /** The outbound policy: resolves and checks `server`; the update goes to the checked address. */
  resolveServer?: (server: string) => Promise<string>;
}

/** Canonical (lower-case, uncompressed) wire form of a domain name. */
export function encodeName(name: string): Buffer {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new Error(`DNS label too long: ${label}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    chunks.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(chunks);
}

function rr(name: string, type: number, klass: number, ttl: number, rdata: Buffer): Buffer {
  return Buffer.concat([encodeName(name), u16(type), u16(klass), u32(ttl), u16(rdata.length), rdata]);
}

export interface UpdateChange {
  action: 'add' | 'delete';
  name: string;
  value: string;
}

/**
 * An RFC 2136 UPDATE for TXT records, signed with TSIG (RFC 8945). Returns the wire message
 * (without the TCP length prefix).
 */
export function buildUpdate(
  settings: Rfc2136Settings,
  changes: UpdateChange[],
  now = new Date(),
  id = randomInt(0, 65_536),
): Buffer {
  const header = Buffer.concat([
    u16(id),
    u16(OPCODE_UPDATE << 11),
    u16(1), // zone
    u16(0), // prerequisites
    u16(changes.length),
    u16(0), // additional (TSIG comes below)
  ]);
  const zone = Buffer.concat([encodeName(settings.zone), u16(TYPE_SOA), u16(CLASS_IN)]);
  const updates = changes.map((c) =>
    c.action === 'add'
      ? rr(c.name, TYPE_TXT, CLASS_IN, settings.ttl ?? 60, txtRdata(c.value))
      : rr(c.name, TYPE_TXT, CLASS_NONE, 0, txtRdata(c.value)),
  );
  const unsigned = Buffer.concat([header, zone, ...updates]);
  return sign(unsigned, settings, now, id);
}

function sign(message: Buffer, settings: Rfc2136Settings, now: Date, id: number): Buffer {
  const hash = HMAC[settings.tsigAlgorithm.toLowerCase()];
  if (!hash) throw new Error(`unsupported TSIG algorithm ${settings.tsigAlgorithm}`);
  const algorithm = encodeName(settings.tsigAlgorithm);
  const keyName = encodeName(settings.tsigKeyName);
  const time = u48(Math.floor(now.getTime() / 1000));
  const variables = Buffer.concat([
    keyName,
    u16(CLASS_ANY),
    u32(0),
    algorithm,
    time,
    u16(FUDGE_SEC),
    u16(0), // error
    u16(0), // other len
  ]);
  const mac = createHmac(hash, Buffer.from(settings.tsigSecret, 'base64'))
    .update(message)
    .update(variables)
    .digest();
  const rdata = Buffer.concat([
    algorithm,
    time,
    u16(FUDGE_SEC),
    u16(mac.length),
    mac,
    u16(id),
    u16(0),
    u16(0),
  ]);
  const tsig = Buffer.concat([keyName, u16(TYPE_TSIG), u16(CLASS_ANY), u32(0), u16(rdata.length), rdata]);
  const signed = Buffer.concat([message, tsig]);
  signed.writeUInt16BE(1, 10); // ARCOUNT
  return signed;
}

/** Sends one message over TCP (no truncation to worry about) and returns the answer. */
function exchange(server: string, port: number, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server, port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(
      () => socket.destroy(new Error(`no DNS answer from ${server}:${port}`)),
      TIMEOUT_MS,
    );
    socket.on('connect', () => socket.write(Buffer.concat([u16(message.length), message])));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.end();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** DNS-01 through RFC 2136 dynamic updates signed with TSIG (BIND, Knot, PowerDNS, …). */
export class Rfc2136Provider implements DnsChallengeProvider {
  constructor(private readonly settings: Rfc2136Settings) {}

  get zone(): string {
    return this.settings.zone;
  }

  async present(fqdn: string, value: string): Promise<void> {
    await this.update([{ action: 'add', name: fqdn, value }]);
  }

  async cleanup(fqdn: string, value: string): Promise<void> {
    await this.update([{ action: 'delete', name: fqdn, value }]);
  }

  async update(changes: UpdateChange[]): Promise<void> {
    const message = buildUpdate(this.settings, changes);
    const { server, resolveServer } = this.settings;
    const address = resolveServer ? await resolveServer(server) : server;
    const answer = await exchange(address, this.settings.port, message);
    const rcode = answer.readUInt16BE(2) & 0x0f;
    if (rcode !== 0) {
      throw new Error(
        `DNS UPDATE for zone ${this.settings.zone} at ${this.settings.server}:${this.settings.port} refused: ${RCODES[rcode] ?? rcode}`,
      );
    }
  }
}
