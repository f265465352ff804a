#!/usr/bin/env sh
# `prisma generate` only needs the schema engine binary to exist; it never runs it for the
# prisma-client generator. Machines without network access cannot download it, so point
# Prisma at a harmless stub (see docs/operations.md).
set -e
cd "$(dirname "$0")/.."
if [ -z "${PRISMA_SCHEMA_ENGINE_BINARY:-}" ]; then
  PRISMA_SCHEMA_ENGINE_BINARY=/bin/true
  export PRISMA_SCHEMA_ENGINE_BINARY
fi
exec npx prisma generate
