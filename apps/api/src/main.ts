import type { AddressInfo } from 'node:net';
import { createApp } from './app.factory.js';
import { rotateKeyCommand } from './common/secrets/rotate-key.command.js';
import { AppConfig, ConfigError } from './config/app-config.js';
import { browserUrl, firstStartBanner } from './modules/users/first-start-banner.js';
import { UsersService } from './modules/users/users.service.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) refuse(error.message);
    throw error;
  }
  if (process.argv[2] === 'rotate-key') {
    await rotateKeyCommand(config);
    process.exit(0);
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

/** A start refused for a setting a person must fix: EX_CONFIG, so supervisors do not loop. */
function refuse(message: string): never {
  process.stderr.write(`Portico cannot start.\n${message}\n`);
  process.exit(78); // EX_CONFIG
}

main().catch((error) => {
  // A missing or wrong master key (common/secrets/master-key.ts) is a setting to fix as well.
  if (error instanceof Error && (error as { exitCode?: number }).exitCode === 78) refuse(error.message);
  process.stderr.write(`Portico failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
