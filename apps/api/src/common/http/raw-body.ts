import type { Request } from 'express';
import { AppError } from '../errors/app-error.js';

/**
 * The request body as text, for bodies the global JSON parser leaves alone (YAML documents,
 * backups): those can be far larger than the parser's 100 kB limit, so each caller names its own.
 */
export async function readRawBody(req: Request, limitBytes: number): Promise<string> {
  if (typeof req.body === 'string') return req.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limitBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limitBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** True when a body parser (JSON) already consumed the stream and left its value in req.body. */
export function bodyWasParsed(req: Request): boolean {
  return req.readableEnded && req.body !== undefined;
}
