-- The V2 tables' indexes exactly as Prisma generates them, the same for both dialects (part of
-- create_v2_tables, which includes this file after its tables). Binds nothing.
CREATE UNIQUE INDEX "property_conversations_propertyId_key" ON "property_conversations"("propertyId");

CREATE INDEX "property_conversations_agentId_status_idx" ON "property_conversations"("agentId", "status");

CREATE INDEX "property_conversations_clientId_status_idx" ON "property_conversations"("clientId", "status");

CREATE INDEX "property_conversations_timelineId_idx" ON "property_conversations"("timelineId");

CREATE INDEX "messages_v2_conversationId_createdAt_idx" ON "messages_v2"("conversationId", "createdAt");

CREATE INDEX "messages_v2_senderId_idx" ON "messages_v2"("senderId");

CREATE INDEX "messages_v2_conversationId_senderType_isRead_idx" ON "messages_v2"("conversationId", "senderType", "isRead");

CREATE INDEX "notifications_v2_recipientId_isRead_idx" ON "notifications_v2"("recipientId", "isRead");

CREATE INDEX "notifications_v2_conversationId_idx" ON "notifications_v2"("conversationId");
