/**
 * What the server cannot do yet, in one place. The dashboard has a place ready for each
 * of these; flip the flag (and write the few lines it names) when the public API grows
 * the operation. See docs/dashboard.md, "Coming next".
 *
 * Done and removed: `forgottenPassword` (requestPasswordReset / resetPassword, emailed
 * links) and `widgetBehaviour` (business hours, pre-chat form, offline messages and
 * powered-by in the website editor).
 */
export const features = {
  /** Needs attachments on `sendMessage` and an upload route: the composer gets a paperclip. */
  attachments: false,
} as const;
