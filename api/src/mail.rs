//! Email out: agent invites, password resets, replies to offline messages and
//! transcripts. Through SMTP when `CHINWAG_SMTP_URL` is set (lettre, rustls); otherwise
//! every message is written to `<data dir>/outbox/` as an `.eml` file and logged, so
//! nothing is silently dropped on a machine without a mail server.

use std::path::PathBuf;
use std::sync::Arc;

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

    /// An absolute link into this server (for emails).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    pub async fn send(&self, to: &str, subject: &str, text: String) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message =
            Message::builder().from(self.from.clone()).to(to.clone()).subject(subject).header(ContentType::TEXT_PLAIN).body(text).map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| e.to_string())?;
                let path = dir.join(format!("{}-{}.eml", crate::time::now_ms(), crate::ids::new_id("mail")));
                tokio::fs::write(&path, message.formatted()).await.map_err(|e| e.to_string())?;
                tracing::info!(to = %to, subject, path = %path.display(), "no SMTP configured: email written to the outbox");
                Ok(())
            }
        }
    }

    /// Sends in the background; a failure is logged, never lost silently.
    pub fn send_later(self: &Arc<Self>, to: String, subject: String, text: String) {
        let me = self.clone();
        tokio::spawn(async move {
            if let Err(e) = me.send(&to, &subject, text).await {
                tracing::error!(error = %e, to = %to, subject = %subject, "email not sent");
            }
        });
    }
}
