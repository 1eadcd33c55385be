/** The panel's text in English, the reference: every other language has every key (the type checks it). */
const en = {
  online: 'We are online',
  away: 'We will reply as soon as we can',
  close: 'Close chat',
  conversations: 'Your conversations',
  showConversations: 'Show your conversations',
  back: 'Back to the conversation',
  messages: 'Messages',
  placeholder: 'Write a message…',
  send: 'Send',
  emoji: 'Add an emoji',
  attach: 'Attach a file',
  you: 'You',
  typing: (who: string) => `${who} is typing…`,
  seen: 'Seen',
  sending: 'Sending…',
  failed: 'Not sent.',
  retry: 'Retry',
  earlier: 'Show earlier messages',
  reconnecting: 'Reconnecting…',
  loading: 'Loading…',
  error: 'Something went wrong. Please try again.',
  tooMany: 'Please continue one of your open conversations first.',
  forbidden: 'The chat is not available on this page.',
  transcript: 'Email me the transcript',
  poweredBy: 'Powered by Chinwag',
  privacy: 'Privacy policy',
  deleteData: 'Delete my conversations',
};

/** The panel's text in one language. */
export type Strings = typeof en;
export default en;
