-- Creates the V2 messaging enums and tables exactly as Prisma generates them for PostgreSQL
-- (TIMESTAMP(3), enum types, <table>_pkey / <table>_<column>_fkey names). Binds nothing.
-- Runs in one transaction with search_path set to the app schema, only when none of the
-- three tables exists yet. Constraints are declared inline: the catalog is the same as
-- Prisma's CREATE + ALTER TABLE ... ADD CONSTRAINT, and no existing object is altered. A file
-- per dialect: Prisma declares the tables differently (enum types, TIMESTAMP(3), named
-- constraints); their indexes, the same in both, are included from create_v2_indexes.
CREATE TYPE "ConversationStatus" AS ENUM ('ACTIVE', 'ARCHIVED', 'CLOSED');

CREATE TYPE "MessageType" AS ENUM ('TEXT', 'IMAGE', 'FILE', 'SYSTEM');

CREATE TYPE "NotificationType" AS ENUM ('NEW_MESSAGE', 'PROPERTY_VIEWED', 'PROPERTY_FEEDBACK', 'TIMELINE_SHARED');

CREATE TYPE "UserType" AS ENUM ('AGENT', 'CLIENT');

CREATE TABLE "property_conversations" (
    "id" TEXT NOT NULL,
    "propertyId" TEXT NOT NULL,
    "timelineId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "status" "ConversationStatus" NOT NULL DEFAULT 'ACTIVE',
    "unreadAgentCount" INTEGER NOT NULL DEFAULT 0,
    "unreadClientCount" INTEGER NOT NULL DEFAULT 0,
    "lastMessageAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "property_conversations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "property_conversations_propertyId_fkey" FOREIGN KEY ("propertyId") REFERENCES "properties"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "property_conversations_timelineId_fkey" FOREIGN KEY ("timelineId") REFERENCES "timelines"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "property_conversations_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "property_conversations_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "clients"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

CREATE TABLE "messages_v2" (
    "id" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "senderType" "UserType" NOT NULL,
    "content" TEXT NOT NULL,
    "type" "MessageType" NOT NULL DEFAULT 'TEXT',
    "isRead" BOOLEAN NOT NULL DEFAULT false,
    "readAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "messages_v2_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "messages_v2_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "property_conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "notifications_v2" (
    "id" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "type" "NotificationType" NOT NULL,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "isRead" BOOLEAN NOT NULL DEFAULT false,
    "readAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_v2_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notifications_v2_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "property_conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- include: create_v2_indexes
