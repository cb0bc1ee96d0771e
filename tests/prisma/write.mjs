// Writes as the V2 app does, through Prisma Client: a conversation for a property that has
// none, messages in it from both sides, one message in an existing conversation, then some of
// them read; the unread counters and lastMessageAt kept as the app keeps them (increment on
// send, decrement on read), each step in a transaction. Prints the ids written as JSON.
//
//   DATABASE_URL=... node write.mjs '{"property": {...}, "existing": "<conversation id>"}'
//   property: {propertyId, timelineId, agentId, clientId} of a legacy property
import { connect, print } from "./client.mjs";

const { property, existing } = JSON.parse(process.argv[2]);
const prisma = connect();

async function send(conversationId, senderType, senderId, content) {
  const [message] = await prisma.$transaction(async (tx) => {
    const created = await tx.messageV2.create({
      data: { conversationId, senderType, senderId, content },
    });
    await tx.propertyConversation.update({
      where: { id: conversationId },
      data: {
        lastMessageAt: created.createdAt,
        ...(senderType === "AGENT"
          ? { unreadClientCount: { increment: 1 } }
          : { unreadAgentCount: { increment: 1 } }),
      },
    });
    return [created];
  });
  return message;
}

async function markRead(message) {
  await prisma.$transaction([
    prisma.messageV2.update({
      where: { id: message.id },
      data: { isRead: true, readAt: new Date() },
    }),
    prisma.propertyConversation.update({
      where: { id: message.conversationId },
      data:
        message.senderType === "AGENT"
          ? { unreadClientCount: { decrement: 1 } }
          : { unreadAgentCount: { decrement: 1 } },
    }),
  ]);
}

try {
  const conversation = await prisma.propertyConversation.create({ data: property });
  const sent = [
    await send(conversation.id, "AGENT", property.agentId, "Written by Prisma: the agent asks"),
    await send(conversation.id, "CLIENT", property.clientId, "Written by Prisma: the client answers ✓"),
    await send(conversation.id, "AGENT", property.agentId, "Written by Prisma: still unread"),
  ];
  const other = await prisma.propertyConversation.findUniqueOrThrow({ where: { id: existing } });
  sent.push(await send(other.id, "CLIENT", other.clientId, "Written by Prisma in a migrated conversation"));
  await markRead(sent[0]);
  await markRead(sent[1]);
  await markRead(sent[3]);
  print({
    conversations: [conversation.id, other.id],
    messages: sent.map((m) => m.id),
  });
} finally {
  await prisma.$disconnect();
}
