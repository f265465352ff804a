-- CreateEnum
CREATE TYPE "OrderState" AS ENUM ('queued', 'prechecking', 'validating', 'finalizing', 'valid', 'failed');

-- AlterTable
ALTER TABLE "Certificate" ADD COLUMN     "accountId" UUID,
ADD COLUMN     "challengeType" TEXT,
ADD COLUMN     "ariCertId" TEXT,
ADD COLUMN     "renewAfter" TIMESTAMP(3),
ADD COLUMN     "ariCheckAfter" TIMESTAMP(3),
ADD COLUMN     "lastRenewalError" TEXT,
ADD COLUMN     "lastRenewalAt" TIMESTAMP(3),
ADD COLUMN     "revokedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "AcmeAccount" (
    "id" UUID NOT NULL,
    "directoryUrl" TEXT NOT NULL,
    "email" TEXT,
    "keyEncrypted" TEXT NOT NULL,
    "accountUrl" TEXT,
    "eabKid" TEXT,
    "eabHmacEncrypted" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AcmeAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CertificateOrder" (
    "id" UUID NOT NULL,
    "certificateId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "challengeType" TEXT NOT NULL,
    "domains" TEXT[],
    "state" "OrderState" NOT NULL DEFAULT 'queued',
    "orderUrl" TEXT,
    "replaces" TEXT,
    "problem" JSONB,
    "steps" JSONB NOT NULL DEFAULT '[]',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "CertificateOrder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DnsProvider" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "zone" TEXT NOT NULL,
    "server" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 53,
    "tsigKeyName" TEXT NOT NULL,
    "tsigAlgorithm" TEXT NOT NULL DEFAULT 'hmac-sha256',
    "tsigSecretEncrypted" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DnsProvider_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Certificate_renewAfter_idx" ON "Certificate"("renewAfter");

-- CreateIndex
CREATE UNIQUE INDEX "AcmeAccount_directoryUrl_key" ON "AcmeAccount"("directoryUrl");

-- CreateIndex
CREATE INDEX "CertificateOrder_certificateId_createdAt_idx" ON "CertificateOrder"("certificateId", "createdAt");

-- CreateIndex
CREATE INDEX "CertificateOrder_state_nextAttemptAt_idx" ON "CertificateOrder"("state", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "DnsProvider_name_key" ON "DnsProvider"("name");

-- CreateIndex
CREATE UNIQUE INDEX "DnsProvider_zone_key" ON "DnsProvider"("zone");

-- AddForeignKey
ALTER TABLE "Certificate" ADD CONSTRAINT "Certificate_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "AcmeAccount"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CertificateOrder" ADD CONSTRAINT "CertificateOrder_certificateId_fkey" FOREIGN KEY ("certificateId") REFERENCES "Certificate"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CertificateOrder" ADD CONSTRAINT "CertificateOrder_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "AcmeAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE;
