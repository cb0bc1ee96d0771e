-- Creates the V2 messaging tables exactly as Prisma generates them for SQLite. Binds nothing.
-- Runs in one transaction, only when none of the three tables exists yet.
CREATE TABLE "property_conversations" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "propertyId" TEXT NOT NULL,
    "timelineId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'ACTIVE',
    "unreadAgentCount" INTEGER NOT NULL DEFAULT 0,
    "unreadClientCount" INTEGER NOT NULL DEFAULT 0,
    "lastMessageAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "property_conversations_propertyId_fkey" FOREIGN KEY ("propertyId") REFERENCES "properties" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "property_conversations_timelineId_fkey" FOREIGN KEY ("timelineId") REFERENCES "timelines" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "property_conversations_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "property_conversations_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "clients" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

CREATE TABLE "messages_v2" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "conversationId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "senderType" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "type" TEXT NOT NULL DEFAULT 'TEXT',
    "isRead" BOOLEAN NOT NULL DEFAULT false,
    "readAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "messages_v2_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "property_conversations" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "notifications_v2" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "conversationId" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "isRead" BOOLEAN NOT NULL DEFAULT false,
    "readAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notifications_v2_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "property_conversations" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE UNIQUE INDEX "property_conversations_propertyId_key" ON "property_conversations"("propertyId");
CREATE INDEX "property_conversations_agentId_status_idx" ON "property_conversations"("agentId", "status");
CREATE INDEX "property_conversations_clientId_status_idx" ON "property_conversations"("clientId", "status");
CREATE INDEX "property_conversations_timelineId_idx" ON "property_conversations"("timelineId");
CREATE INDEX "messages_v2_conversationId_createdAt_idx" ON "messages_v2"("conversationId", "createdAt");
CREATE INDEX "messages_v2_senderId_idx" ON "messages_v2"("senderId");
CREATE INDEX "messages_v2_conversationId_senderType_isRead_idx" ON "messages_v2"("conversationId", "senderType", "isRead");
CREATE INDEX "notifications_v2_recipientId_isRead_idx" ON "notifications_v2"("recipientId", "isRead");
CREATE INDEX "notifications_v2_conversationId_idx" ON "notifications_v2"("conversationId");
