/**
 * What the server cannot do yet, in one place. The dashboard has a place ready for each
 * of these; flip the flag (and write the few lines it names) when the public API grows
 * the operation. See docs/dashboard.md, "Coming next".
 *
 * Done and removed: `forgottenPassword` (requestPasswordReset / resetPassword, emailed
 * links) and `widgetBehaviour` (business hours, pre-chat form, offline messages and
 * powered-by in the website editor), and `attachments` (`POST /uploads` and
 * `sendMessage(attachmentIds)`: the composer's paperclip, drag-and-drop and paste).
 */
export const features = {
  attachments: true,
} as const;
