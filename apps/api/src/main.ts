import { createApp } from './app.factory.js';
import { AppConfig, ConfigError } from './config/app-config.js';

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
}

main().catch((error) => {
  process.stderr.write(`Portico failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
