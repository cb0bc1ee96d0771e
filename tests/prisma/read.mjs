// Reads every V2 conversation and message through Prisma Client, as the app does, and prints
// them as JSON (DateTimes as epoch ms), with each conversation's unread counts as Prisma
// recounts them from its messages.
//
//   DATABASE_URL=file:/abs/dev.db node read.mjs
import { connect, print } from "./client.mjs";

const prisma = connect();
try {
  const conversations = await prisma.propertyConversation.findMany({
    orderBy: { id: "asc" },
    include: {
      _count: {
        select: {
          messages: true,
          notifications: true,
        },
      },
    },
  });
  const unread = async (senderType) =>
    Object.fromEntries(
      (
        await prisma.messageV2.groupBy({
          by: ["conversationId"],
          where: { senderType, isRead: false },
          _count: { _all: true },
        })
      ).map((g) => [g.conversationId, g._count._all]),
    );
  const unreadAgent = await unread("CLIENT");
  const unreadClient = await unread("AGENT");
  const messages = await prisma.messageV2.findMany({ orderBy: { id: "asc" } });
  print({
    conversations: conversations.map(({ _count, ...row }) => ({
      ...row,
      messageCount: _count.messages,
      prismaUnreadAgent: unreadAgent[row.id] ?? 0,
      prismaUnreadClient: unreadClient[row.id] ?? 0,
    })),
    messages,
  });
} finally {
  await prisma.$disconnect();
}
