import { defineConfig } from 'prisma/config';

// The url is only needed by CLI commands that talk to a database (migrate status/deploy on a
// machine that has the schema engine). The application passes its own connection string.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portico' },
});
