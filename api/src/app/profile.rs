//! An agent's own profile: name and avatar at once; a new sign-in email only once its
//! owner confirms it through a link mailed to it. The answer is the same whether or not
//! the address has an account (then its owner is told, with no link), so the profile
//! form cannot tell who has an account.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{App, RequestMeta};
use crate::auth::{verify_password, Principal};
use crate::domain::{Email, PersonName};
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::Quota;
use crate::store::{AgentRow, StoreError};
use crate::time::now_ms;

/// How long an email change link works.
const CHANGE_TTL_MS: i64 = 24 * 3600 * 1000;
const PREFIX: &str = "ae_";

/// What an email change link names.
#[derive(Serialize, Deserialize)]
struct Change {
    o: String,
    a: String,
    /// The address now, and the new one.
    from: String,
    to: String,
    /// The agent's token epoch: a password change (which moves it) cancels the link.
    ep: i64,
    /// Issued (unix ms).
    i: i64,
}

/// An email change, read or done: for the pages that ask and confirm.
pub struct EmailChange {
    pub from: String,
    pub to: String,
}

impl App {
    /// Changes the signed-in agent's name or avatar at once. A new email (which needs the
    /// current password) is mailed a confirmation link and changes when it is used; the
    /// returned agent still has the old one.
    pub async fn update_profile(
        &self,
        meta: &RequestMeta,
        p: &Principal,
        name: Option<&str>,
        avatar_url: Option<Option<&str>>,
        email: Option<&str>,
        current_password: Option<&str>,
    ) -> ApiResult<AgentRow> {
        let a = super::agent(p)?;
        let name = name.map(PersonName::parse).transpose()?;
        let avatar = match avatar_url {
            Some(Some(u)) if !u.trim().is_empty() => Some(Some(crate::domain::WebUrl::parse("avatarUrl", u, 500)?)),
            Some(_) => Some(None),
            None => None,
        };
        let email = email.map(Email::parse).transpose()?;
        let current = self.store.agent(&a.org_id, &a.id).await?;
        if let Some(new) = email.as_ref().filter(|e| e.as_str() != current.email) {
            let ok = match current_password {
                Some(pw) => {
                    meta.password_turn()?;
                    verify_password(pw.to_owned(), Some(current.password_hash.clone())).await?
                }
                None => false,
            };
            if !ok {
                return Err(ApiError::Forbidden("changing the email needs the current password"));
            }
            self.limit(&format!("email-change:{}", a.id), Quota::per_window(5, Duration::from_secs(3600))).await?;
            self.ask_email_change(&current, new.as_str()).await?;
        }
        self.store
            .update_profile(&a.org_id, &a.id, name.as_ref().map(|n| n.as_str()), avatar.as_ref().map(|o| o.as_ref().map(|u| u.as_str())), None)
            .await
            .map_err(ApiError::from)
    }

    /// Mails the new address its confirmation link (or, when it has an account, a note
    /// with no link), and the current address a warning.
    async fn ask_email_change(&self, agent: &AgentRow, to: &str) -> ApiResult<()> {
        let taken = self.store.agent_by_email(to).await?.is_some();
        let (subject, text) = if taken {
            (
                "Your email was given for another Chinwag account".to_owned(),
                "Someone asked to make this address the sign-in email of another Chinwag account. It already has an account, \
                 and an address belongs to one account, so nothing changed.\n\nIf you did not expect this, you can ignore this email.\n"
                    .to_owned(),
            )
        } else {
            let claim =
                Change { o: agent.org_id.clone(), a: agent.id.clone(), from: agent.email.clone(), to: to.to_owned(), ep: agent.token_epoch, i: now_ms() };
            let link = self.mailer.link(&format!("/account/confirm-email?token={}", self.keys.seal(PREFIX, &claim)));
            (
                "Confirm your new Chinwag email".to_owned(),
                format!("Confirm this address as your Chinwag sign-in email:\n{link}\n\nThe link works for 24 hours. Until then you sign in with your current address.\n"),
            )
        };
        let warning = format!(
            "Someone signed in as you asked to change your Chinwag sign-in email to {to}. It changes only if that address confirms.\n\n\
             If this was not you, change your password now: that also cancels the change.\n"
        );
        let org = Some(agent.org_id.as_str());
        self.jobs
            .enqueue(&[self.email_job(org, to, subject, text), self.email_job(org, &agent.email, "Your Chinwag email is about to change".into(), warning)])
            .await?;
        Ok(())
    }

    fn read_change(&self, token: &str) -> ApiResult<Change> {
        const BAD: ApiError = ApiError::Forbidden("this link is invalid or has expired");
        let c: Change = self.keys.open(PREFIX, token).ok_or(BAD)?;
        if c.i + CHANGE_TTL_MS < now_ms() {
            return Err(BAD);
        }
        Ok(c)
    }

    /// What an email change link would do (the page asks first).
    pub fn email_change(&self, token: &str) -> ApiResult<EmailChange> {
        let c = self.read_change(token)?;
        Ok(EmailChange { from: c.from, to: c.to })
    }

    /// Makes the new address the agent's sign-in email, if the agent still signs in with
    /// the address the link was made for (a second use, or an older link, changes nothing).
    pub async fn confirm_email_change(&self, token: &str) -> ApiResult<EmailChange> {
        let c = self.read_change(token)?;
        let agent = self.store.agent(&c.o, &c.a).await.map_err(|e| super::not_found(e, "account"))?;
        if agent.email == c.to {
            return Ok(EmailChange { from: c.from, to: c.to });
        }
        // Another change since, or a new password (which cancels pending links).
        if agent.email != c.from || agent.token_epoch != c.ep {
            return Err(ApiError::Forbidden("this link is invalid or has expired"));
        }
        match self.store.update_profile(&c.o, &c.a, None, None, Some(&c.to)).await {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => return Err(ApiError::BadInput("this address has an account now".into())),
            Err(e) => return Err(e.into()),
        }
        self.store.audit(&c.o, "agent", &c.a, "agent.email_change", Some(&c.a), None).await?;
        Ok(EmailChange { from: c.from, to: c.to })
    }
}
