import type { AddressInfo } from 'node:net';
import { createApp } from './app.factory.js';
import { AppConfig, ConfigError } from './config/app-config.js';
import { browserUrl, firstStartBanner } from './modules/users/first-start-banner.js';
import { UsersService } from './modules/users/users.service.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Portico cannot start.\n${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const admin = app.get(UsersService).takeGeneratedAdmin();
  if (admin) {
    // Deliberately on the console, not in the structured log: shown once to whoever starts Portico.
    const { port } = app.getHttpServer().address() as AddressInfo;
    process.stdout.write(
      firstStartBanner({
        ...admin,
        url: browserUrl(config.host, port),
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
      }),
    );
  }
}

main().catch((error) => {
  process.stderr.write(`Portico failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
