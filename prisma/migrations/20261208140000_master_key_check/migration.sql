-- CreateTable
CREATE TABLE "MasterKeyCheck" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "keyId" TEXT NOT NULL,
    "sealed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rotatedAt" TIMESTAMP(3),

    CONSTRAINT "MasterKeyCheck_pkey" PRIMARY KEY ("id")
);
