-- AlterTable
ALTER TABLE "DeploymentTarget" ADD COLUMN     "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "requeues" INTEGER NOT NULL DEFAULT 0;

-- Targets queued before this migration: their deployment's creation is when they were queued.
UPDATE "DeploymentTarget" t SET "queuedAt" = d."createdAt" FROM "Deployment" d WHERE d."id" = t."deploymentId";

-- CreateTable
CREATE TABLE "VerifiedTree" (
    "agentId" UUID NOT NULL,
    "targetId" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "snapshotHash" TEXT NOT NULL,
    "checks" JSONB NOT NULL DEFAULT '[]',
    "verifiedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VerifiedTree_pkey" PRIMARY KEY ("agentId")
);

-- AddForeignKey
ALTER TABLE "VerifiedTree" ADD CONSTRAINT "VerifiedTree_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VerifiedTree" ADD CONSTRAINT "VerifiedTree_snapshotHash_fkey" FOREIGN KEY ("snapshotHash") REFERENCES "FileSnapshot"("hash") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Every succeeded target passed its verify: each agent's newest one is its last verified tree.
INSERT INTO "VerifiedTree" ("agentId", "targetId", "revision", "snapshotHash", "checks", "verifiedAt")
SELECT DISTINCT ON (t."agentId") t."agentId", t."id", t."revision", t."snapshotHash", t."checks", COALESCE(t."finishedAt", d."createdAt")
FROM "DeploymentTarget" t JOIN "Deployment" d ON d."id" = t."deploymentId"
WHERE t."status" = 'succeeded' AND t."snapshotHash" IS NOT NULL
ORDER BY t."agentId", d."createdAt" DESC, t."finishedAt" DESC NULLS LAST;
