-- CreateEnum
CREATE TYPE "ProbeOrigin" AS ENUM ('portico', 'agents');

-- AlterTable
ALTER TABLE "Upstream" ADD COLUMN     "probeFrom" "ProbeOrigin" NOT NULL DEFAULT 'portico';
