-- CreateEnum
CREATE TYPE "DeploymentKind" AS ENUM ('deploy', 'rollback');

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "hostOverrides" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "Deployment" ADD COLUMN     "kind" "DeploymentKind" NOT NULL DEFAULT 'deploy',
ADD COLUMN     "rollbackOfId" UUID;

-- AlterTable
ALTER TABLE "DeploymentTarget" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "snapshotHash" TEXT,
ADD COLUMN     "checks" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "instanceId" TEXT,
ADD COLUMN     "step" TEXT;

-- CreateTable
CREATE TABLE "FileSnapshot" (
    "hash" TEXT NOT NULL,
    "filesSealed" TEXT NOT NULL,
    "fileCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FileSnapshot_pkey" PRIMARY KEY ("hash")
);

-- CreateIndex
CREATE INDEX "Deployment_status_idx" ON "Deployment"("status");

-- CreateIndex
CREATE INDEX "DeploymentTarget_status_idx" ON "DeploymentTarget"("status");

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_rollbackOfId_fkey" FOREIGN KEY ("rollbackOfId") REFERENCES "Deployment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentTarget" ADD CONSTRAINT "DeploymentTarget_snapshotHash_fkey" FOREIGN KEY ("snapshotHash") REFERENCES "FileSnapshot"("hash") ON DELETE SET NULL ON UPDATE CASCADE;
