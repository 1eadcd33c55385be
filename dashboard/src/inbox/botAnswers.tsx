/**
 * Which of a conversation's bot messages are the answer bot's answers, and what the visitor
 * made of each (docs/assistant.md, "The answer bot"): one `botAnswers` request per opened
 * conversation that has bot messages, asked again only when a bot message arrives or the
 * conversation's status changes (the bot writes when a visitor asks for a person; "yes"
 * resolves the chat), not on every message.
 */
import type { AgentClient, AgentConversation, ChatMessage } from '@chinwag/sdk';
import { useEffect, useState } from 'react';
import { BotAnswersDocument, type BotAnswerOutcome } from '../api';

/** By the bot message's id: its outcome, null while the visitor has not said. */
export type BotAnswers = ReadonlyMap<string, BotAnswerOutcome | null>;

const NONE: BotAnswers = new Map();

export function useBotAnswers(
  client: AgentClient,
  conversationId: string,
  messages: readonly ChatMessage[],
  status: AgentConversation['status'] | undefined,
): BotAnswers {
  const bots = messages.filter((m) => m.senderKind === 'BOT' && m.status === 'sent').length;
  const [answers, setAnswers] = useState<BotAnswers>(NONE);
  useEffect(() => {
    if (!bots) return;
    let live = true;
    client.request(BotAnswersDocument, { conversationId }).then(
      ({ botAnswers }) => live && setAnswers(new Map(botAnswers.map((a) => [a.answerMessageId, a.outcome]))),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [client, conversationId, bots, status]);
  return answers;
}

const OUTCOMES: Record<BotAnswerOutcome, string> = { HELPED: 'Helped', HANDOVER: 'Handed over' };

/** The line under a bot answer. */
export function BotAnswerLine({ outcome }: { outcome: BotAnswerOutcome | null }) {
  return <div className="msg-state bot-answer">Answered from an article · {outcome ? OUTCOMES[outcome] : 'No reply yet'}</div>;
}
