//! No mail relay: mail that carries conversation text (transcripts, the team's replies to
//! an offline message) goes only to an address someone vouched for: signed by the site's
//! server (`emailHash` at `startVisitorSession`) or confirmed by its owner. The first mail
//! to any other address is a confirmation link carrying no text a visitor wrote (only the
//! website's name, which its admins set); confirming it sends what was asked for.

use serde::{Deserialize, Serialize};

use super::App;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::Quota;
use crate::store::{ConversationRow, NewJob, PageDirection, StoreError, WebsiteRow};
use crate::time::now_ms;

/// How long a confirmation link works.
const CONFIRM_TTL_MS: i64 = 3 * 24 * 3600 * 1000;
/// Confirmation mails one address may receive a day, whoever asks.
const CONFIRMS_PER_ADDRESS_DAY: u32 = 3;
/// Confirmation mails one website, and one organization, may cause a day: the site's name
/// is in them, so a tenant must not mail strangers in bulk through offline replies.
const CONFIRMS_PER_WEBSITE_DAY: u32 = 50;
const CONFIRMS_PER_ORG_DAY: u32 = 200;
const PREFIX: &str = "ec_";

/// What a confirmation link names (signed, so nothing is stored until it is used).
#[derive(Serialize, Deserialize)]
struct Claim {
    /// Organization and visitor.
    o: String,
    v: String,
    /// The address to confirm.
    e: String,
    /// The conversation whose transcript follows the confirmation.
    c: Option<String>,
    /// Issued (unix ms).
    i: i64,
}

/// Why a confirmation is asked for: it says so in the mail.
#[derive(Clone, Copy)]
pub enum Asked {
    Transcript,
    Reply,
}

/// A confirmation link, read: for the page that asks to confirm.
pub struct Confirmation {
    pub email: String,
    pub website_name: String,
}

impl App {
    /// Mails `to` a link that confirms it for the visitor; the conversation's transcript
    /// follows the confirmation. `RATE_LIMITED` once the address had its confirmations
    /// for the day.
    pub(super) async fn ask_confirmation(&self, conv: &ConversationRow, site: &WebsiteRow, to: &str, asked: Asked) -> ApiResult<()> {
        let day = std::time::Duration::from_secs(24 * 3600);
        self.limit(&format!("confirm:{}", mailbox_key(to)), Quota::per_window(CONFIRMS_PER_ADDRESS_DAY, day)).await?;
        self.limit(&format!("confirm-site:{}", site.id), Quota::per_window(CONFIRMS_PER_WEBSITE_DAY, day)).await?;
        self.limit(&format!("confirm-org:{}", conv.org_id), Quota::per_window(CONFIRMS_PER_ORG_DAY, day)).await?;
        let claim = Claim { o: conv.org_id.clone(), v: conv.visitor_id.clone(), e: to.to_owned(), c: Some(conv.id.clone()), i: now_ms() };
        let link = self.mailer.link(&format!("/email/confirm?token={}", self.keys.seal(PREFIX, &claim)));
        let site_name = &site.name;
        let (subject, why) = match asked {
            Asked::Transcript => (format!("Confirm your email for {site_name}"), format!("Someone asked {site_name} to email a conversation to this address.")),
            Asked::Reply => {
                (format!("{site_name} replied to your message"), format!("{site_name} replied to a message left on its website with this address."))
            }
        };
        let text = format!(
            "{why}\n\nIf it was you, confirm the address to receive it:\n{link}\n\nIf not, ignore this email: nothing more will be sent. The link works for 3 days.\n"
        );
        self.jobs.enqueue(&[self.email_job(Some(&conv.org_id), to, subject, text)]).await?;
        Ok(())
    }

    fn read_claim(&self, token: &str) -> ApiResult<Claim> {
        const BAD: ApiError = ApiError::Forbidden("this link is invalid or has expired");
        let claim: Claim = self.keys.open(PREFIX, token).ok_or(BAD)?;
        if claim.i + CONFIRM_TTL_MS < now_ms() {
            return Err(BAD);
        }
        Ok(claim)
    }

    /// What a confirmation link would confirm (the page asks before anything changes:
    /// mail scanners follow links).
    pub async fn confirmation(&self, token: &str) -> ApiResult<Confirmation> {
        let claim = self.read_claim(token)?;
        let visitor = self.store.visitor(&claim.o, &claim.v).await.map_err(|e| super::not_found(e, "visitor"))?;
        let site = self.store.website(&claim.o, &visitor.website_id).await.map_err(|e| super::not_found(e, "website"))?;
        Ok(Confirmation { email: claim.e, website_name: site.name })
    }

    /// Confirms the address for the visitor and sends the transcript it was asked for.
    /// Using a link again changes nothing.
    pub async fn confirm_email(&self, token: &str) -> ApiResult<Confirmation> {
        let claim = self.read_claim(token)?;
        let visitor = self.store.visitor(&claim.o, &claim.v).await.map_err(|e| super::not_found(e, "visitor"))?;
        let site = self.store.website(&claim.o, &visitor.website_id).await.map_err(|e| super::not_found(e, "website"))?;
        let done = visitor.vouched_email() == Some(claim.e.as_str()) && visitor.email_verified_at.is_some_and(|at| at >= claim.i);
        if !done {
            self.store.confirm_visitor_email(&claim.o, &claim.v, &claim.e).await?;
            if let Some(c) = &claim.c {
                match self.store.conversation(&claim.o, c).await {
                    Ok(conv) if conv.visitor_id == visitor.id => {
                        let mut job = self.transcript_job(&conv, &site, &claim.e).await?;
                        // One transcript per link, however often it is used.
                        job.key = Some(format!("confirm:{}", crate::ids::sha256_hex(token.as_bytes())));
                        self.jobs.enqueue(&[job]).await?;
                    }
                    Ok(_) | Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(Confirmation { email: claim.e, website_name: site.name })
    }

    /// The email of a conversation's public messages.
    pub(super) async fn transcript_job(&self, conv: &ConversationRow, site: &WebsiteRow, to: &str) -> ApiResult<NewJob> {
        let messages = self.store.message_page(&conv.id, PageDirection::After(0), 1000, false).await?;
        let mut text = format!("Your conversation with {}\n\n", site.name);
        for m in messages {
            let who = match m.sender_kind {
                crate::domain::SenderKind::Visitor => "You",
                _ => site.name.as_str(),
            };
            text.push_str(&format!("[{}] {who}: {}\n\n", crate::time::rfc3339(m.created_at), m.body));
        }
        Ok(self.email_job(Some(&conv.org_id), to, format!("Your conversation with {}", site.name), text))
    }
}

/// The mailbox an address reaches, for limits: `v+anything@example.com` is `v@example.com`.
fn mailbox_key(address: &str) -> String {
    let address = address.to_lowercase();
    match address.split_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => address,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn plus_tags_reach_the_same_mailbox() {
        assert_eq!(super::mailbox_key("V+1@Example.com"), "v@example.com");
        assert_eq!(super::mailbox_key("v@example.com"), "v@example.com");
    }
}
