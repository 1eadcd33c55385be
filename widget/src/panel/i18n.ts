/**
 * The panel's text in every language the widget speaks (`LOCALES` in host.ts). English
 * is the reference and ships with the panel; each other language is a small chunk of
 * its own (`i18n-fr.ts`...), loaded only by the visitors who need it, and must have
 * every key (the type checks it). The parts loaded when needed (the pre-chat and offline
 * forms, the transcript) carry their own text, in every language, so that it weighs
 * nothing on opening the chat.
 */
import type { Locale } from '../host.js';

const en = {
  online: 'We are online',
  away: 'We will reply as soon as we can',
  close: 'Close chat',
  conversations: 'Your conversations',
  showConversations: 'Show your conversations',
  back: 'Back to the conversation',
  newConversation: 'New conversation',
  noConversations: 'No conversations yet.',
  open: 'Open',
  resolved: 'Resolved',
  messages: 'Messages',
  placeholder: 'Write a message…',
  send: 'Send',
  emoji: 'Add an emoji',
  attach: 'Attach a file',
  emojiList: 'Emoji',
  you: 'You',
  typing: (who: string) => `${who} is typing…`,
  someone: 'Someone',
  seen: 'Seen',
  sending: 'Sending…',
  failed: 'Not sent.',
  retry: 'Retry',
  earlier: 'Show earlier messages',
  unread: (n: number) => `${n} unread`,
  reconnecting: 'Reconnecting…',
  loading: 'Loading…',
  error: 'Something went wrong. Please try again.',
  tooMany: 'Please continue one of your open conversations first.',
  forbidden: 'The chat is not available on this page.',
  transcript: 'Email me the transcript',
  poweredBy: 'Powered by Chinwag',
};

export type Strings = typeof en;

const others: Record<Exclude<Locale, 'en'>, () => Promise<{ default: Strings }>> = {
  fr: () => import('./i18n-fr.js'),
  es: () => import('./i18n-es.js'),
};
const loaded: Partial<Record<Locale, Strings>> = { en };

/** The text for `locale` if it is loaded already. */
export const strings = (locale: Locale): Strings | undefined => loaded[locale];

/** Loads the text for `locale`. */
export async function loadStrings(locale: Locale): Promise<Strings> {
  return (loaded[locale] ??= locale === 'en' ? en : (await others[locale]()).default);
}
