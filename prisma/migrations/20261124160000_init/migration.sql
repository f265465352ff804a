-- CreateEnum
CREATE TYPE "TlsMode" AS ENUM ('off', 'acme', 'uploaded');

-- CreateEnum
CREATE TYPE "BalancePolicy" AS ENUM ('round_robin', 'least_conn', 'ip_hash');

-- CreateEnum
CREATE TYPE "UpstreamKind" AS ENUM ('generic', 'ollama', 'openwebui');

-- CreateEnum
CREATE TYPE "ProxyFlavor" AS ENUM ('nginx', 'apache');

-- CreateEnum
CREATE TYPE "HostFamily" AS ENUM ('debian', 'rhel');

-- CreateEnum
CREATE TYPE "ServiceKind" AS ENUM ('generic', 'ollama', 'openwebui');

-- CreateEnum
CREATE TYPE "RestartPolicy" AS ENUM ('no', 'always', 'on_failure', 'on_abnormal');

-- CreateEnum
CREATE TYPE "CertificateSource" AS ENUM ('acme', 'uploaded');

-- CreateEnum
CREATE TYPE "CertificateStatus" AS ENUM ('pending', 'valid', 'expired', 'failed', 'revoked');

-- CreateEnum
CREATE TYPE "DeploymentStatus" AS ENUM ('pending', 'running', 'succeeded', 'partially_failed', 'failed');

-- CreateEnum
CREATE TYPE "TargetStatus" AS ENUM ('pending', 'running', 'succeeded', 'unchanged', 'failed', 'rolled_back');

-- CreateEnum
CREATE TYPE "HealthStatus" AS ENUM ('unknown', 'up', 'degraded', 'down');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'operator', 'viewer');

-- CreateTable
CREATE TABLE "FleetRevision" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FleetRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Site" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "tlsMode" "TlsMode" NOT NULL DEFAULT 'off',
    "certificateId" UUID,
    "httpsRedirect" BOOLEAN NOT NULL DEFAULT true,
    "hsts" BOOLEAN NOT NULL DEFAULT false,
    "websocket" BOOLEAN NOT NULL DEFAULT true,
    "readTimeoutSec" INTEGER NOT NULL DEFAULT 3600,
    "sendTimeoutSec" INTEGER NOT NULL DEFAULT 3600,
    "maxBodyMb" INTEGER NOT NULL DEFAULT 100,
    "responseHeaders" JSONB NOT NULL DEFAULT '[]',
    "upstreamHeaders" JSONB NOT NULL DEFAULT '[]',
    "labels" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SiteHostname" (
    "hostname" TEXT NOT NULL,
    "siteId" UUID NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "SiteHostname_pkey" PRIMARY KEY ("hostname")
);

-- CreateTable
CREATE TABLE "Route" (
    "id" UUID NOT NULL,
    "siteId" UUID NOT NULL,
    "pathPrefix" TEXT NOT NULL,
    "upstreamId" UUID NOT NULL,
    "streaming" BOOLEAN NOT NULL DEFAULT false,
    "position" INTEGER NOT NULL,

    CONSTRAINT "Route_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SitePlacement" (
    "siteId" UUID NOT NULL,
    "agentId" UUID NOT NULL,

    CONSTRAINT "SitePlacement_pkey" PRIMARY KEY ("siteId","agentId")
);

-- CreateTable
CREATE TABLE "Upstream" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "UpstreamKind" NOT NULL DEFAULT 'generic',
    "policy" "BalancePolicy" NOT NULL DEFAULT 'round_robin',
    "keepalive" INTEGER NOT NULL DEFAULT 16,
    "targets" JSONB NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Upstream_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Agent" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "sshPort" INTEGER NOT NULL DEFAULT 22,
    "sshUser" TEXT NOT NULL DEFAULT 'root',
    "sshKeyEncrypted" TEXT,
    "sshPublicKey" TEXT,
    "useSudo" BOOLEAN NOT NULL DEFAULT false,
    "flavor" "ProxyFlavor" NOT NULL DEFAULT 'nginx',
    "configRoot" TEXT NOT NULL DEFAULT '/etc/portico',
    "hostFamily" "HostFamily" NOT NULL DEFAULT 'debian',
    "listenAddress" TEXT,
    "httpPort" INTEGER NOT NULL DEFAULT 80,
    "httpsPort" INTEGER NOT NULL DEFAULT 443,
    "proxyVersion" TEXT,
    "validateCommand" TEXT,
    "reloadCommand" TEXT,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "hostKeyFingerprint" TEXT,
    "offeredHostKey" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Service" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ServiceKind" NOT NULL DEFAULT 'generic',
    "description" TEXT NOT NULL DEFAULT '',
    "execStart" TEXT,
    "image" TEXT,
    "environment" JSONB NOT NULL DEFAULT '{}',
    "user" TEXT,
    "restart" "RestartPolicy" NOT NULL DEFAULT 'always',
    "options" JSONB NOT NULL DEFAULT '{}',
    "labels" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServicePlacement" (
    "serviceId" UUID NOT NULL,
    "agentId" UUID NOT NULL,

    CONSTRAINT "ServicePlacement_pkey" PRIMARY KEY ("serviceId","agentId")
);

-- CreateTable
CREATE TABLE "Certificate" (
    "id" UUID NOT NULL,
    "domains" TEXT[],
    "source" "CertificateSource" NOT NULL,
    "status" "CertificateStatus" NOT NULL DEFAULT 'pending',
    "chainPem" TEXT,
    "keyEncrypted" TEXT,
    "issuer" TEXT,
    "serial" TEXT,
    "notBefore" TIMESTAMP(3),
    "notAfter" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Certificate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Deployment" (
    "id" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "status" "DeploymentStatus" NOT NULL DEFAULT 'pending',
    "selector" JSONB NOT NULL DEFAULT '{}',
    "requestedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeploymentTarget" (
    "id" UUID NOT NULL,
    "deploymentId" UUID NOT NULL,
    "agentId" UUID NOT NULL,
    "status" "TargetStatus" NOT NULL DEFAULT 'pending',
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "log" TEXT NOT NULL DEFAULT '',
    "error" TEXT,
    "fileHashes" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "DeploymentTarget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HealthState" (
    "checkKey" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "status" "HealthStatus" NOT NULL DEFAULT 'unknown',
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "HealthState_pkey" PRIMARY KEY ("checkKey")
);

-- CreateTable
CREATE TABLE "HealthEvent" (
    "id" UUID NOT NULL,
    "checkKey" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "from" "HealthStatus" NOT NULL,
    "to" "HealthStatus" NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "HealthEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "scopes" TEXT[],
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "requestId" TEXT,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Site_name_key" ON "Site"("name");

-- CreateIndex
CREATE INDEX "SiteHostname_siteId_idx" ON "SiteHostname"("siteId");

-- CreateIndex
CREATE INDEX "Route_upstreamId_idx" ON "Route"("upstreamId");

-- CreateIndex
CREATE UNIQUE INDEX "Route_siteId_pathPrefix_key" ON "Route"("siteId", "pathPrefix");

-- CreateIndex
CREATE INDEX "SitePlacement_agentId_idx" ON "SitePlacement"("agentId");

-- CreateIndex
CREATE UNIQUE INDEX "Upstream_name_key" ON "Upstream"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Agent_name_key" ON "Agent"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Service_name_key" ON "Service"("name");

-- CreateIndex
CREATE INDEX "ServicePlacement_agentId_idx" ON "ServicePlacement"("agentId");

-- CreateIndex
CREATE INDEX "Deployment_createdAt_idx" ON "Deployment"("createdAt");

-- CreateIndex
CREATE INDEX "DeploymentTarget_agentId_status_idx" ON "DeploymentTarget"("agentId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "DeploymentTarget_deploymentId_agentId_key" ON "DeploymentTarget"("deploymentId", "agentId");

-- CreateIndex
CREATE INDEX "HealthState_subjectType_subjectId_idx" ON "HealthState"("subjectType", "subjectId");

-- CreateIndex
CREATE INDEX "HealthEvent_at_idx" ON "HealthEvent"("at");

-- CreateIndex
CREATE INDEX "HealthEvent_subjectType_subjectId_at_idx" ON "HealthEvent"("subjectType", "subjectId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_targetType_targetId_idx" ON "AuditEvent"("targetType", "targetId");

-- AddForeignKey
ALTER TABLE "Site" ADD CONSTRAINT "Site_certificateId_fkey" FOREIGN KEY ("certificateId") REFERENCES "Certificate"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SiteHostname" ADD CONSTRAINT "SiteHostname_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Route" ADD CONSTRAINT "Route_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Route" ADD CONSTRAINT "Route_upstreamId_fkey" FOREIGN KEY ("upstreamId") REFERENCES "Upstream"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SitePlacement" ADD CONSTRAINT "SitePlacement_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "Site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SitePlacement" ADD CONSTRAINT "SitePlacement_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServicePlacement" ADD CONSTRAINT "ServicePlacement_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServicePlacement" ADD CONSTRAINT "ServicePlacement_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentTarget" ADD CONSTRAINT "DeploymentTarget_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentTarget" ADD CONSTRAINT "DeploymentTarget_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
