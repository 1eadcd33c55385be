/**
 * What the server cannot do yet, in one place. The dashboard has a place ready for each
 * of these; flip the flag (and write the few lines it names) when the public API grows
 * the operation. See docs/dashboard.md, "Coming next".
 */
export const features = {
  /** Needs `requestPasswordReset` / `resetPassword` (email delivery): the sign-in page links to it. */
  forgottenPassword: false,
  /** Needs attachments on `sendMessage` and an upload route: the composer gets a paperclip. */
  attachments: false,
  /** Needs business hours, pre-chat form and offline settings on `updateWebsite`: a section of the website editor. */
  widgetBehaviour: false,
} as const;
