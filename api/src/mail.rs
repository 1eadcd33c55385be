//! Email out: agent invites, password resets, replies to offline messages and
//! transcripts. Through SMTP when `CHINWAG_SMTP_URL` is set (lettre, rustls); otherwise
//! every message is written to `<data dir>/outbox/` as an `.eml` file and logged, so
//! nothing is silently dropped on a machine without a mail server. Every email is a
//! durable job (`app::outbox`), so a crash between the change and the send loses none.

use std::path::PathBuf;

use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::Settings;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    public_url: String,
}

impl Mailer {
    /// Fails at start on a malformed SMTP URL or sender address.
    pub fn from_settings(s: &Settings) -> Result<Mailer, String> {
        let from: Mailbox = s.mail_from.parse().map_err(|e| format!("CHINWAG_MAIL_FROM '{}': {e}", s.mail_from))?;
        let transport = match &s.smtp_url {
            Some(url) => Transport::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("CHINWAG_SMTP_URL: {e}"))?.build()),
            None => Transport::Outbox(s.data_dir.join("outbox")),
        };
        let public_url = s.public_url.clone().unwrap_or_else(|| format!("http://{}", s.listen)).trim_end_matches('/').to_owned();
        Ok(Mailer { transport, from, public_url })
    }

    /// Whether emails leave this server (SMTP is configured), rather than going to the
    /// data directory's outbox.
    pub fn delivers(&self) -> bool {
        matches!(self.transport, Transport::Smtp(_))
    }

    /// An absolute link into this server (for emails).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Sends one email. `id` is the job's stable id: it becomes the `Message-ID` (a
    /// repeated run sends the same id, which receivers may use to drop the copy) and the
    /// outbox file's name (a repeated run rewrites the same file).
    pub async fn send(&self, id: &str, to: &str, subject: &str, text: String) -> Result<(), SendError> {
        self.send_threaded(id, to, subject, text, None).await
    }

    /// The host of this server's `Message-ID`s (the sender's domain).
    pub fn host(&self) -> &str {
        self.from.email.domain()
    }

    /// As `send`, with a `Reply-To` and `Message-ID` that bring the answer back to its
    /// conversation (docs/email.md).
    pub async fn send_threaded(&self, id: &str, to: &str, subject: &str, text: String, threading: Option<&Threading>) -> Result<(), SendError> {
        let to: Mailbox = to.parse().map_err(|e| SendError::permanent(format!("recipient: {e}")))?;
        let host = self.host().to_owned();
        let mut builder = Message::builder();
        match threading {
            Some(t) => {
                let reply_to: Mailbox = t.reply_to.parse().map_err(|e| SendError::permanent(format!("reply-to: {e}")))?;
                builder = builder.message_id(Some(t.message_id.clone())).reply_to(reply_to);
            }
            None => builder = builder.message_id(Some(format!("<{id}@{host}>"))),
        }
        let message = builder
            .from(self.from.clone())
            .to(to.clone())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| SendError::permanent(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError { permanent: e.is_permanent(), message: e.to_string() }),
            Transport::Outbox(dir) => {
                let fail = |e: std::io::Error| SendError { permanent: false, message: e.to_string() };
                tokio::fs::create_dir_all(dir).await.map_err(fail)?;
                let path = dir.join(format!("{id}.eml"));
                let partial = dir.join(format!(".{id}.eml.partial"));
                tokio::fs::write(&partial, message.formatted()).await.map_err(fail)?;
                tokio::fs::rename(&partial, &path).await.map_err(fail)?;
                tracing::info!(to = %to, subject, path = %path.display(), "no SMTP configured: email written to the outbox");
                Ok(())
            }
        }
    }
}

/// `Reply-To` and `Message-ID` of an emailed reply, so the answer finds its conversation.
pub struct Threading {
    pub reply_to: String,
    pub message_id: String,
}

/// Why an email was not sent. Permanent: the server refused it for good (a 5xx reply, a
/// malformed address), so retrying cannot help.
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    fn permanent(message: String) -> SendError {
        SendError { permanent: true, message }
    }
}
