-- AlterEnum
ALTER TYPE "DeploymentStatus" ADD VALUE 'succeeded_with_warnings' AFTER 'succeeded';

-- AlterTable
ALTER TABLE "DeploymentTarget" ADD COLUMN     "warning" TEXT;
