import { fileURLToPath } from 'node:url';

// Repository-root folders the API reads at run time. Resolved from this file so they work
// from src/ (tests), dist/ (npm start) and the Docker image, which keep the same layout.
const root = new URL('../../../../', import.meta.url);

export const MIGRATIONS_DIR = fileURLToPath(new URL('prisma/migrations/', root));
export const TEMPLATES_DIR = fileURLToPath(new URL('templates/', root));
export const WEB_DIST_DIR = fileURLToPath(new URL('apps/web/dist/', root));
