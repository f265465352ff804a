import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import express from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { securityHeaders } from './common/http/security-headers.js';
import { createValidationPipe } from './common/http/validation.js';
import { declareErrorBody } from './common/http/view-schema.js';
import { AppConfig } from './config/app-config.js';
import { WEB_DIST_DIR } from './database/paths.js';
import { crossSiteGuard } from './modules/auth/cross-site-guard.js';
import { publishPermissions } from './modules/auth/openapi-permissions.js';

/** Builds the whole application; main.ts and the end-to-end tests both start it this way. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    // A failed start is thrown to main.ts, which knows which failures are settings to fix (78).
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(securityHeaders());
  // Which peers may name the client address and scheme (TRUST_PROXY): req.ip feeds the login
  // limit, req.secure the cookie's Secure flag. Nobody by default.
  app.set('trust proxy', config.trustProxy);
  app.use(cookieParser());
  app.use(crossSiteGuard(config.allowedOrigins));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  // Plain WebSockets (`ws`) for the dashboard gateway; Redis fan-out is done on the event bus.
  app.useWebSocketAdapter(new WsAdapter(app));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Portico API')
      .setDescription(
        'Desired state of a reverse-proxy fleet: sites, upstreams, agents, services, deployments.',
      )
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description: 'API token (ptk_…)',
      })
      .addCookieAuth('portico_session')
      .addSecurityRequirements('bearer')
      .addSecurityRequirements('cookie')
      .build(),
  );
  publishPermissions(document);
  declareErrorBody(document);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/openapi.json' });

  serveWebApp(app, config.webDir ?? WEB_DIST_DIR);
  return app;
}

/**
 * Paths the server answers itself. The dashboard's fallback runs before Nest's routes (it is
 * plain Express middleware), so it must step aside for these or it would answer them with
 * index.html (a scraper asking for /metrics got the dashboard).
 */
const SERVER_PATHS = ['/api', '/healthz', '/metrics'];

const ownedByServer = (path: string) =>
  SERVER_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/** The built dashboard at /, with client-side routes falling back to index.html. */
function serveWebApp(app: NestExpressApplication, dir: string): void {
  if (!existsSync(join(dir, 'index.html'))) return;
  app.use(express.static(dir, { index: 'index.html' }));
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (req.method !== 'GET' || ownedByServer(req.path)) return next();
    res.sendFile(join(dir, 'index.html'));
  });
}
