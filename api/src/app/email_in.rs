//! Email as a channel (docs/email.md): the team's emailed replies carry a signed
//! `Reply-To` (`reply+<token>@<reply domain>`) and a `Message-ID` with the same token; a
//! visitor's answer, through the SMTP listener (`crate::smtp`) or `POST /inbound/email`,
//! lands in the conversation as the visitor's message, once per `Message-ID`. A reply
//! from another address, or one that failed its sender's DMARC policy, is held for an
//! agent; auto-replies and bounces are dropped.

use crate::auth::{Principal, VisitorPrincipal};
use crate::domain::email_in::{self, Token, MAC_BYTES};
use crate::domain::SenderKind;
use crate::error::{ApiError, ApiResult};
use crate::store::{ConversationRow, HeldEmailRow, MessageRow, NewMessage, StoreError, VisitorRow};

use super::chat::Send;
use super::App;
use crate::mail::Threading;

/// The SMTP envelope, where the message came with one.
#[derive(Default, Debug, Clone)]
pub struct Envelope {
    /// `MAIL FROM`; `Some("")` for a bounce's null sender.
    pub mail_from: Option<String>,
    pub rcpt_to: Vec<String>,
}

/// What became of an accepted email.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    Posted {
        conversation_id: String,
        message_id: String,
    },
    /// Already posted or held (the same `Message-ID` again).
    Duplicate,
    Held {
        id: String,
    },
    /// Automatic mail, a blocked visitor, or nothing to post; why.
    Dropped(String),
}

/// Why an email was refused: permanently (the sender's server bounces it) or for now
/// (its server retries later).
#[derive(Debug)]
pub enum Refused {
    Permanent(String),
    Temporary(String),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Refused {
        Refused::Temporary(format!("store: {e:?}"))
    }
}

/// Why a reply was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    SenderMismatch,
    DmarcFail,
}

impl HoldReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::SenderMismatch => "sender_mismatch",
            HoldReason::DmarcFail => "dmarc_fail",
        }
    }
    pub fn from_db(s: &str) -> HoldReason {
        if s == "dmarc_fail" {
            HoldReason::DmarcFail
        } else {
            HoldReason::SenderMismatch
        }
    }
}

/// Inbound emails read at once on a node (`App::inbound_email`).
pub const AT_ONCE: usize = 8;
/// How long an inbound email waits for its turn before the sender is told to retry.
pub const WAIT_FOR_TURN: std::time::Duration = std::time::Duration::from_secs(10);

/// Files one email may bring (as one message).
const MAX_EMAIL_ATTACHMENTS: usize = 10;
/// What one client address has open on the inbound paths (SMTP connections, HTTP
/// bodies being read), so that one client cannot take every turn.
#[derive(Default)]
pub struct Peers(std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>);

/// One client's place among `Peers`, given back when dropped.
pub struct PeerGuard<'a> {
    peers: &'a Peers,
    ip: std::net::IpAddr,
}

impl Peers {
    /// A place for `ip`, unless it already has `max`.
    pub fn enter(&self, ip: std::net::IpAddr, max: usize) -> Option<PeerGuard<'_>> {
        let mut m = self.0.lock().expect("peers lock");
        let n = m.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(PeerGuard { peers: self, ip })
    }
}

impl Drop for PeerGuard<'_> {
    fn drop(&mut self) {
        let mut m = self.peers.0.lock().expect("peers lock");
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Held emails one conversation keeps at most, and holds per hour.
const MAX_HELD: i64 = 20;
const HELD_PER_HOUR: u32 = 10;
/// The most characters of an email's text posted (a message's limit is 10,000).
const MAX_EMAIL_CHARS: usize = 9_900;

impl App {
    /// The reply domain, when email replies are on.
    pub fn reply_domain(&self) -> Option<&str> {
        self.settings.integrations.reply_domain.as_deref()
    }

    fn reply_token(&self, conversation_id: &str) -> String {
        email_in::token(conversation_id, &self.keys.mac_hex("email-reply", conversation_id, MAC_BYTES))
    }

    /// The conversation a token names, if its MAC is genuine.
    fn token_conversation(&self, t: &Token) -> Option<String> {
        self.keys.verify_mac_hex("email-reply", &t.conversation_id, MAC_BYTES, &t.mac).then(|| t.conversation_id.clone())
    }

    /// How an email about the conversation is addressed for replies (None without a reply
    /// domain). `job_id` makes the `Message-ID` unique.
    pub fn reply_threading(&self, conversation_id: &str, job_id: &str, mail_host: &str) -> Option<Threading> {
        let domain = self.reply_domain()?;
        let token = self.reply_token(conversation_id);
        Some(Threading {
            reply_to: format!("{}{token}@{domain}", email_in::LOCAL_PREFIX),
            message_id: format!("<{}{token}.{job_id}@{mail_host}>", email_in::MESSAGE_ID_PREFIX),
        })
    }

    /// Whether mail to `address` is accepted (an SMTP `RCPT TO`): a genuine reply address.
    pub fn accepts_recipient(&self, address: &str) -> bool {
        self.reply_domain().and_then(|d| email_in::token_of_address(address, d)).and_then(|t| self.token_conversation(&t)).is_some()
    }

    /// Takes one raw email (RFC 5322) and posts, holds or drops it. Idempotent by
    /// `Message-ID`. A refusal is permanent (no conversation, unreadable mail) or
    /// temporary (the store or a limit: the sender's server retries).
    pub async fn receive_email(&self, raw: &[u8], envelope: &Envelope) -> Result<Received, Refused> {
        let Some(domain) = self.reply_domain() else { return Err(Refused::Permanent("email replies are off on this server".into())) };
        let Some(mail) = mail_parser::MessageParser::default().parse(raw) else {
            return Err(Refused::Permanent("not an email message".into()));
        };
        let headers: Vec<(String, String)> = mail.headers_raw().map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned())).collect();
        if let Some(why) = email_in::automatic(&headers, envelope.mail_from.as_deref()) {
            tracing::info!(why, "inbound email dropped");
            return Ok(Received::Dropped(why.into()));
        }
        // The conversation: the envelope's recipient, the headers' recipients, then the
        // threading headers (our Message-IDs carry the token too).
        let header_addresses = mail.to().into_iter().chain(mail.cc()).flat_map(|a| a.iter()).filter_map(|a| a.address());
        let by_address = envelope
            .rcpt_to
            .iter()
            .map(String::as_str)
            .chain(header_addresses)
            .chain(["delivered-to", "x-original-to"].iter().flat_map(|h| headers.iter().filter(move |(n, _)| n == h).map(|(_, v)| v.as_str())))
            .filter_map(|a| email_in::token_of_address(a, domain))
            .find_map(|t| self.token_conversation(&t));
        let threading = || {
            headers
                .iter()
                .filter(|(n, _)| n == "in-reply-to" || n == "references")
                .flat_map(|(_, v)| v.split(|c: char| c.is_whitespace() || c == ',').map(str::to_owned).collect::<Vec<_>>())
                .filter_map(|id| email_in::token_of_message_id(&id))
                .find_map(|t| self.token_conversation(&t))
        };
        let Some(conversation_id) = by_address.or_else(threading) else {
            return Err(Refused::Permanent("no conversation: the reply address is missing or not genuine".into()));
        };
        let conv = match self.store.conversation_any(&conversation_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Err(Refused::Permanent("the conversation no longer exists".into())),
            Err(e) => return Err(e.into()),
        };
        let visitor = match self.store.visitor(&conv.org_id, &conv.visitor_id).await {
            Ok(v) => v,
            Err(StoreError::NotFound) => return Err(Refused::Permanent("the conversation no longer exists".into())),
            Err(e) => return Err(e.into()),
        };
        if visitor.email.is_none() {
            // Erased, or never gave one: nobody was emailed from this conversation.
            return Err(Refused::Permanent("the conversation takes no email replies".into()));
        }
        let blocks = self.store.blocks_for_session(&conv.org_id, &conv.website_id, Some(&visitor.id), visitor.external_id.as_deref()).await?;
        if blocks.iter().any(|b| b.network.is_none()) {
            return Ok(Received::Dropped("the visitor is blocked".into()));
        }
        let key = message_key(mail.message_id(), raw);
        let from = mail.from().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_ascii_lowercase();
        let hold = if email_in::dmarc_failed(&headers) {
            Some(HoldReason::DmarcFail)
        } else if visitor.vouched_email().is_none_or(|e| !e.eq_ignore_ascii_case(&from)) {
            Some(HoldReason::SenderMismatch)
        } else {
            None
        };
        let full = mail.body_text(0).unwrap_or_default();
        let stripped = email_in::strip_reply(&full);
        // Nothing left once the quotes are cut: the whole text, rather than losing a word.
        let text = if stripped.trim().is_empty() { full.trim().replace("\r\n", "\n") } else { stripped };
        if let Some(reason) = hold {
            return self.hold_email(&conv, &key, &from, mail.subject().unwrap_or_default(), &text, reason, raw).await;
        }
        let files = attachments(&mail);
        drop(mail);
        if self.store.is_held(&conv.id, &key).await? {
            return Ok(Received::Duplicate);
        }
        self.post_email(&conv, &visitor, &key, &text, files).await.map_err(|e| match e {
            ApiError::RateLimited { .. } | ApiError::Unavailable(_) | ApiError::Internal(_) => Refused::Temporary(e.message()),
            other => Refused::Permanent(other.message()),
        })
    }

    /// Posts the email's text and files as the visitor's message (`key`: idempotency).
    /// Files the upload rules refuse are left out (and said so); a limit or an outage
    /// fails the whole post, to be tried again.
    async fn post_email(&self, conv: &ConversationRow, visitor: &VisitorRow, key: &str, text: &str, files: Vec<(String, Vec<u8>)>) -> ApiResult<Received> {
        let p = Principal::Visitor(VisitorPrincipal {
            id: visitor.id.clone(),
            org_id: conv.org_id.clone(),
            website_id: conv.website_id.clone(),
            expires_at: i64::MAX,
            issued_at: crate::time::now_ms(),
        });
        if self.store.message_by_client_id(&conv.id, SenderKind::Visitor, &visitor.id, key).await?.is_some() {
            return Ok(Received::Duplicate);
        }
        let max = self.settings.limits.max_upload_bytes;
        let mut attachment_ids = Vec::new();
        let mut left_out = 0;
        for (name, bytes) in files {
            if bytes.is_empty() || bytes.len() > max || attachment_ids.len() >= MAX_EMAIL_ATTACHMENTS {
                left_out += 1;
                continue;
            }
            match self.upload(&p, &conv.id, &name, bytes).await {
                Ok(a) => attachment_ids.push(a.id),
                Err(e @ (ApiError::RateLimited { .. } | ApiError::Unavailable(_) | ApiError::Internal(_))) => return Err(e),
                Err(_) => left_out += 1,
            }
        }
        let mut body: String = text.chars().take(MAX_EMAIL_CHARS).collect();
        if body.len() < text.len() {
            body.push_str("\n[…]");
        }
        if left_out > 0 {
            body.push_str(&format!("\n\n({left_out} attachment(s) over the size or number limit were left out.)"));
        }
        if body.trim().is_empty() && attachment_ids.is_empty() {
            return Ok(Received::Dropped("an empty email".into()));
        }
        let send = Send { conversation_id: &conv.id, body: body.trim(), client_message_id: Some(key), is_private: false, attachment_ids };
        let (m, _) = self.send_message(&p, send).await?;
        Ok(Received::Posted { conversation_id: conv.id.clone(), message_id: m.id })
    }

    #[allow(clippy::too_many_arguments)]
    async fn hold_email(
        &self,
        conv: &ConversationRow,
        key: &str,
        from: &str,
        subject: &str,
        text: &str,
        reason: HoldReason,
        raw: &[u8],
    ) -> Result<Received, Refused> {
        if self.store.is_held(&conv.id, key).await? {
            return Ok(Received::Duplicate);
        }
        // Each held email keeps its raw bytes and notes the team: a sender who is not the
        // visitor gets a few an hour, and a conversation holds a few at most.
        if self.store.held_email_count(&conv.id).await? >= MAX_HELD {
            return Err(Refused::Permanent("too many replies are waiting for review in this conversation".into()));
        }
        if let Err(e) =
            self.limiter.check(&format!("held:{}", conv.id), crate::ratelimit::Quota::per_window(HELD_PER_HOUR, std::time::Duration::from_secs(3600))).await
        {
            return Err(Refused::Temporary(format!("too many held replies; retry in {} s", e.as_secs())));
        }
        let id = crate::ids::new_id("hem");
        let storage_key = format!("held/{}", crate::ids::random_token(18));
        self.files.put(&storage_key, raw.to_vec()).await.map_err(|e| Refused::Temporary(format!("file store: {e}")))?;
        let row = HeldEmailRow {
            id: id.clone(),
            org_id: conv.org_id.clone(),
            conversation_id: conv.id.clone(),
            message_key: key.to_owned(),
            from_address: from.chars().take(320).collect(),
            subject: subject.chars().take(300).collect(),
            body: text.chars().take(MAX_EMAIL_CHARS).collect(),
            reason: reason.as_str().into(),
            storage_key: storage_key.clone(),
            created_at: crate::time::now_ms(),
        };
        if !self.store.hold_email(&row).await? {
            let _ = self.files.delete(&storage_key).await;
            return Ok(Received::Duplicate);
        }
        // The team learns of it in the conversation, as a private note.
        let why = match reason {
            HoldReason::SenderMismatch => "it is not from the visitor's address",
            HoldReason::DmarcFail => "it failed its sender's DMARC check",
        };
        let note = format!("An email reply from {} was held because {why}. Release it to post it as the visitor's message, or discard it.", row.from_address);
        let out = self
            .appender
            .append(NewMessage {
                org_id: conv.org_id.clone(),
                conversation_id: conv.id.clone(),
                visitor_id: None,
                sender_kind: SenderKind::System,
                sender_id: "email".into(),
                body: note,
                is_private: true,
                attachment_ids: Vec::new(),
                client_message_id: Some(format!("held:{id}")),
                follow_up: None,
            })
            .await?;
        self.after_append(out, SenderKind::System, "email").await;
        Ok(Received::Held { id })
    }

    /// The conversation's held emails (agents who see it).
    pub async fn held_emails(&self, p: &Principal, conversation_id: &str) -> ApiResult<Vec<HeldEmailRow>> {
        super::staff(p)?;
        let conv = self.visible_conversation(p, conversation_id).await?;
        Ok(self.store.held_emails(&conv.org_id, &conv.id).await?)
    }

    /// Posts a held email as the visitor's message (text and attachments), then forgets it.
    pub async fn release_held_email(&self, p: &Principal, id: &str) -> ApiResult<MessageRow> {
        let (h, conv) = self.held(p, id).await?;
        let raw = self.files.get(&h.storage_key).await.map_err(|e| ApiError::unavailable(format!("file store: {e}")))?;
        let visitor = self.store.visitor(&conv.org_id, &conv.visitor_id).await?;
        let mail = mail_parser::MessageParser::default().parse(&raw[..]).ok_or(ApiError::NotFound("held email"))?;
        let files = attachments(&mail);
        drop(mail);
        let posted = self.post_email(&conv, &visitor, &h.message_key, &h.body, files).await?;
        let m = match posted {
            Received::Posted { message_id, .. } => self.store.message(&conv.id, &message_id).await?,
            Received::Duplicate => match self.store.message_by_client_id(&conv.id, SenderKind::Visitor, &visitor.id, &h.message_key).await? {
                Some(m) => m,
                None => return Err(ApiError::NotFound("held email")),
            },
            Received::Held { .. } | Received::Dropped(_) => return Err(ApiError::BadInput("the held email has nothing to post".into())),
        };
        // Forgotten once posted (a failed post leaves it held, to try again).
        if self.store.delete_held_email(&h.org_id, &h.id).await? {
            let _ = self.files.delete(&h.storage_key).await;
            self.audit(p, "email.release", Some(&h.id)).await?;
        }
        Ok(m)
    }

    /// Deletes a held email unposted.
    pub async fn discard_held_email(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let (h, _) = self.held(p, id).await?;
        if self.store.delete_held_email(&h.org_id, &h.id).await? {
            let _ = self.files.delete(&h.storage_key).await;
            self.audit(p, "email.discard", Some(&h.id)).await?;
        }
        Ok(())
    }

    /// A held email and its conversation, for those who see the conversation.
    async fn held(&self, p: &Principal, id: &str) -> ApiResult<(HeldEmailRow, ConversationRow)> {
        let (org_id, ..) = super::staff(p)?;
        let h = self.store.held_email(org_id, id).await.map_err(|e| super::accounts::not_found(e, "held email"))?;
        let conv = self.visible_conversation(p, &h.conversation_id).await?;
        Ok((h, conv))
    }
}

/// The email's attachments: `(file name, bytes)`.
fn attachments(mail: &mail_parser::Message<'_>) -> Vec<(String, Vec<u8>)> {
    use mail_parser::MimeHeaders as _;
    mail.attachments()
        .map(|part| {
            let name = part.attachment_name().map(str::to_owned).unwrap_or_else(|| if part.is_message() { "message.eml".into() } else { "attachment".into() });
            (name, part.contents().to_vec())
        })
        .collect()
}

/// The idempotency key of an email: from its `Message-ID` (or, lacking one, its bytes).
fn message_key(message_id: Option<&str>, raw: &[u8]) -> String {
    let digest = match message_id.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => crate::ids::sha256_hex(m.as_bytes()),
        None => crate::ids::sha256_hex(raw),
    };
    format!("email:{}", &digest[..40])
}
