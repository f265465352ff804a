-- CreateTable
CREATE TABLE "HealthWorker" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HealthWorker_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HealthWorker_heartbeatAt_idx" ON "HealthWorker"("heartbeatAt");
