-- CreateTable
CREATE TABLE "CertificatePolicy" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "challenge" TEXT NOT NULL DEFAULT 'http-01',
    "keyType" TEXT NOT NULL DEFAULT 'ecdsa-p256',
    "autoIssue" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CertificatePolicy_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "Site" ADD COLUMN     "certificatePolicyId" UUID;

-- AlterTable
ALTER TABLE "CertificateOrder" ADD COLUMN     "keyType" TEXT NOT NULL DEFAULT 'ecdsa-p256';

-- CreateIndex
CREATE UNIQUE INDEX "CertificatePolicy_name_key" ON "CertificatePolicy"("name");

-- AddForeignKey
ALTER TABLE "Site" ADD CONSTRAINT "Site_certificatePolicyId_fkey" FOREIGN KEY ("certificatePolicyId") REFERENCES "CertificatePolicy"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CertificatePolicy" ADD CONSTRAINT "CertificatePolicy_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "AcmeAccount"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
