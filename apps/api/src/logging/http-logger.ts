import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import type { Options } from 'pino-http';
import pretty from 'pino-pretty';
import type { AppConfig } from '../config/app-config.js';
import { REDACT_PATHS, redactLine, redactQuery, redactUrl } from './log-redaction.js';

/** pino-http's settings: request ids, no credentials in any line, and where the lines go. */
export function httpLogger(config: AppConfig): Params['pinoHttp'] {
  const options: Options = {
    level: config.logLevel,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    redact: { paths: REDACT_PATHS, remove: true },
    serializers: {
      req: (req: { url?: string; query?: Record<string, unknown> }) => {
        if (typeof req.url === 'string') req.url = redactUrl(req.url);
        req.query = redactQuery(req.query);
        return req;
      },
    },
    hooks: { streamWrite: redactLine },
  };
  // JSON lines through pino's own fast stdout writer: for machines (a pipe, a file, a container).
  if (config.logFormat === 'json') return options;
  // For a person at a terminal: pino-pretty in this thread, synchronously, so its lines and what
  // is printed on the console (the first-start banner) come out in the order they happened.
  return [
    options,
    pretty({
      sync: true,
      colorize: process.stdout.isTTY === true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context,req,res,responseTime',
      // HTTP lines say what was asked and answered instead of dumping the request object.
      messageFormat:
        '{if context}[{context}] {end}{msg}{if req.method} {req.method} {req.url} {res.statusCode} {responseTime}ms{end}',
    }),
  ];
}
