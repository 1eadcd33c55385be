/**
 * What the server can do today, in one place. Features the dashboard is ready to show
 * but the public API does not offer yet are `false` here; their components render
 * nothing until the server grows the operation (see docs/dashboard.md, "Coming next").
 */
export const features = {
  /** Needs a `search` argument on `conversations` (or a `searchConversations` query). */
  conversationSearch: false,
  /** Needs `Visitor.conversations` (or `ConversationFilter.visitorId`) for agents. */
  pastConversations: false,
  /** Needs `Visitor.currentPage` / `pageViews`. */
  pagesViewed: false,
  /** Needs `updateMe(name, email)` and avatars. */
  profileEditing: false,
  /** Needs `requestPasswordReset` / `resetPassword` (email delivery). */
  forgottenPassword: false,
  /** Needs attachments on `sendMessage` and an upload route. */
  attachments: false,
  /** Needs business hours, pre-chat form and offline settings on `updateWebsite`. */
  widgetBehaviour: false,
} as const;
