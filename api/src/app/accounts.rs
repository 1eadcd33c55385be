//! Sign-up, log-in, token refresh, the team (invites, roles, removal), API keys and
//! departments.

use std::time::Duration;

use super::{admin, App, RequestMeta};
use crate::auth::{hash_password, verify_password, AgentPrincipal, Keys, Principal, PrincipalKind};
use crate::bus::{Event, AUTH_TOPIC};
use crate::domain::{ApiKeyName, ApiKeyScope, DepartmentName, Email, OrgName, Password, PersonName, Role, Scopes};
use crate::error::{ApiError, ApiResult};
use crate::ids::{new_id, random_token, sha256_hex};
use crate::ratelimit::Quota;
use crate::store::{AgentRow, ApiKeyRow, DepartmentRow, InviteRow, NewAgent, NewApiKey, StoreError};
use crate::time::now_ms;

const INVITE_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
const RESET_TTL_MS: i64 = 3600 * 1000;
/// Websites one API key may be limited to.
const MAX_KEY_WEBSITES: usize = 50;

pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub agent: AgentRow,
}

pub struct CreatedInvite {
    pub invite: InviteRow,
    pub token: String,
}

impl App {
    pub async fn sign_up(&self, meta: &RequestMeta, org_name: &str, name: &str, email: &str, password: &str) -> ApiResult<Session> {
        if !self.settings.signup_enabled {
            return Err(ApiError::Forbidden("sign-up is disabled on this server"));
        }
        let org_name = OrgName::parse(org_name)?;
        let name = PersonName::parse(name)?;
        let email = Email::parse(email)?;
        let password = Password::parse(password)?;
        if let Some(ip) = &meta.ip {
            self.limit(&format!("signup:{ip}"), Quota::per_window(self.settings.limits.signups_per_hour, Duration::from_secs(3600))).await?;
        }
        if self.store.agent_by_email(email.as_str()).await?.is_some() {
            return Err(ApiError::BadInput("an account with this email already exists".into()));
        }
        meta.password_turn()?;
        let hash = hash_password(password.expose().to_owned()).await?;
        let (_, agent) = self
            .store
            .create_org_with_owner(org_name.as_str(), NewAgent { email: email.as_str(), name: name.as_str(), password_hash: &hash, role: Role::Owner })
            .await
            .map_err(ApiError::from)?;
        self.new_session(agent).await
    }

    pub async fn log_in(&self, meta: &RequestMeta, email: &str, password: &str) -> ApiResult<Session> {
        let email = Email::parse(email).map_err(|_| ApiError::Unauthenticated("wrong email or password"))?;
        let l = &self.settings.limits;
        let email_key = format!("login:email:{}", email.as_str());
        let ip_key = meta.ip.as_ref().map(|ip| format!("login:ip:{ip}"));
        let email_q = Quota::per_window(l.login_failures_per_email, LOGIN_WINDOW);
        let ip_q = Quota::per_window(l.login_failures_per_ip, LOGIN_WINDOW);
        if l.rate_limits_on() {
            self.limiter.is_limited(&email_key, email_q).await.map_err(|w| self.refused(w))?;
            if let Some(k) = &ip_key {
                self.limiter.is_limited(k, ip_q).await.map_err(|w| self.refused(w))?;
            }
        }
        let agent = self.store.agent_by_email(email.as_str()).await?;
        meta.password_turn()?;
        let ok = verify_password(password.to_owned(), agent.as_ref().map(|a| a.password_hash.clone())).await?;
        match agent {
            Some(agent) if ok => {
                self.limiter.clear(&email_key).await;
                self.new_session(agent).await
            }
            _ => {
                // Count the failure; the refusal itself comes on the next attempt.
                if l.rate_limits_on() {
                    let _ = self.limiter.check(&email_key, email_q).await;
                    if let Some(k) = &ip_key {
                        let _ = self.limiter.check(k, ip_q).await;
                    }
                }
                Err(ApiError::Unauthenticated("wrong email or password"))
            }
        }
    }

    fn access_token(&self, agent: &AgentRow) -> String {
        self.keys.sign(&Keys::claims(&agent.id, PrincipalKind::Agent, &agent.org_id, None, Some(agent.token_epoch), self.settings.access_token_ttl))
    }

    fn refresh_ttl_ms(&self) -> i64 {
        self.settings.refresh_token_ttl as i64 * 1000
    }

    async fn new_session(&self, agent: AgentRow) -> ApiResult<Session> {
        let id = new_id("rtk");
        self.store.insert_refresh(&id, &agent.id, &new_id("rtf"), self.refresh_ttl_ms()).await?;
        Ok(Session { access_token: self.access_token(&agent), refresh_token: self.keys.refresh_token(&id), agent })
    }

    /// Rotates a refresh token. Reuse of a spent token revokes its whole family, except
    /// within the grace window, where the same successor is returned.
    pub async fn refresh_session(&self, token: &str) -> ApiResult<Session> {
        const BAD: ApiError = ApiError::Unauthenticated("invalid or expired refresh token");
        let id = self.keys.parse_refresh_token(token).ok_or(BAD)?;
        let mut row = self.store.refresh_token(&id).await.map_err(|e| if matches!(e, StoreError::NotFound) { BAD } else { e.into() })?;
        let now = now_ms();
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Err(BAD);
        }
        let agent = self.store.agent_any(&row.agent_id).await?;
        if agent.removed_at.is_some() {
            return Err(BAD);
        }
        if row.used_at.is_none() {
            let successor = new_id("rtk");
            if self.store.rotate_refresh(&id, &successor, &agent.id, &row.family_id, self.refresh_ttl_ms()).await? {
                return Ok(Session { access_token: self.access_token(&agent), refresh_token: self.keys.refresh_token(&successor), agent });
            }
            // Someone spent it a moment ago: treat as reuse (usually within grace).
            row = self.store.refresh_token(&id).await?;
        }
        match (row.used_at, row.successor_id) {
            (Some(used), Some(successor)) if now - used <= self.settings.refresh_reuse_grace as i64 * 1000 && row.revoked_at.is_none() => {
                Ok(Session { access_token: self.access_token(&agent), refresh_token: self.keys.refresh_token(&successor), agent })
            }
            _ => {
                tracing::warn!(agent = %agent.id, family = %row.family_id, "refresh token reuse: revoking the family");
                self.store.revoke_refresh_family(&row.family_id).await?;
                Err(BAD)
            }
        }
    }

    /// Revokes the refresh token's family; an unknown or forged token is refused.
    pub async fn log_out(&self, token: &str) -> ApiResult<()> {
        const BAD: ApiError = ApiError::Unauthenticated("invalid refresh token");
        let id = self.keys.parse_refresh_token(token).ok_or(BAD)?;
        let row = self.store.refresh_token(&id).await.map_err(|e| if matches!(e, StoreError::NotFound) { BAD } else { e.into() })?;
        self.store.revoke_refresh_family(&row.family_id).await?;
        Ok(())
    }

    // ---- team ----

    pub async fn invite_agent(&self, p: &Principal, email: &str, role: Role) -> ApiResult<CreatedInvite> {
        let a = admin(p)?;
        let email = Email::parse(email)?;
        if role == Role::Owner {
            return Err(ApiError::BadInput("invite as admin or agent; there is one owner".into()));
        }
        // Someone on this team already: said, since the admin can see the team anyway. An
        // address with an account elsewhere is invited like any other (the answer must not
        // tell whether an address has an account anywhere): the email tells its owner.
        let taken = match self.store.agent_by_email(email.as_str()).await? {
            Some(agent) if agent.org_id == a.org_id && agent.removed_at.is_none() => {
                return Err(ApiError::BadInput("this person is already on your team".into()));
            }
            existing => existing.is_some(),
        };
        let token = format!("inv_{}", random_token(24));
        let email_invite = self.invite_email(a, &token, taken).await?;
        let invite =
            self.store.create_invite(&a.org_id, email.as_str(), role, &sha256_hex(token.as_bytes()), &a.id, INVITE_TTL_MS, |i| vec![email_invite(i)]).await?;
        self.jobs.wake();
        self.audit(p, "agent.invite", Some(&invite.id)).await?;
        Ok(CreatedInvite { invite, token })
    }

    /// Renders the invite email (a job committed with the invite). To an address that
    /// already has an account (one address belongs to one team) it carries no link.
    async fn invite_email(&self, a: &AgentPrincipal, token: &str, taken: bool) -> ApiResult<impl FnOnce(&InviteRow) -> crate::jobs::NewJob + '_> {
        let org = self.store.org(&a.org_id).await?;
        let inviter = self.store.agent(&a.org_id, &a.id).await?;
        let link = self.mailer.link(&format!("/app/accept-invite?token={token}"));
        Ok(move |invite: &InviteRow| {
            let text = if taken {
                format!(
                    "{} invited you to answer chats for {}.\n\nThis address already has a Chinwag account, and an address belongs to one team. \
                     To join {}, ask {} to invite another address of yours.\n",
                    inviter.name, org.name, org.name, inviter.name
                )
            } else {
                format!(
                    "{} invited you to answer chats for {}.\n\nSet your name and password here (the link works once, for 7 days):\n{link}\n",
                    inviter.name, org.name
                )
            };
            self.email_job(Some(&invite.org_id), &invite.email, format!("{} invited you to {} on Chinwag", inviter.name, org.name), text)
        })
    }

    /// A new link for a pending invite, emailed again; the old link stops working.
    pub async fn resend_invite(&self, p: &Principal, id: &str) -> ApiResult<CreatedInvite> {
        let a = admin(p)?;
        let invitee = self.store.unaccepted_invite_email(&a.org_id, id).await.map_err(|e| not_found(e, "invite"))?;
        let taken = self.store.agent_by_email(&invitee).await?.is_some();
        let token = format!("inv_{}", random_token(24));
        let email_invite = self.invite_email(a, &token, taken).await?;
        let invite = self
            .store
            .renew_invite(&a.org_id, id, &sha256_hex(token.as_bytes()), INVITE_TTL_MS, |i| vec![email_invite(i)])
            .await
            .map_err(|e| not_found(e, "invite"))?;
        self.jobs.wake();
        Ok(CreatedInvite { invite, token })
    }

    pub async fn revoke_invite(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let a = admin(p)?;
        self.store.revoke_invite(&a.org_id, id).await.map_err(|e| not_found(e, "invite"))?;
        self.audit(p, "agent.invite_revoke", Some(id)).await?;
        Ok(())
    }

    /// What an invite link is for (the join page shows it); no token needed.
    pub async fn invite_preview(&self, token: &str) -> ApiResult<(InviteRow, String)> {
        let invite = self.store.invite_by_token(&sha256_hex(token.trim().as_bytes())).await.map_err(|e| not_found(e, "invite"))?;
        let org = self.store.org(&invite.org_id).await?;
        Ok((invite, org.name))
    }

    pub async fn accept_invite(&self, meta: &RequestMeta, token: &str, name: &str, password: &str) -> ApiResult<Session> {
        let name = PersonName::parse(name)?;
        let password = Password::parse(password)?;
        self.limit_token_guess(meta).await?;
        // The token first: a made-up one costs a lookup, not a hash.
        let token_hash = sha256_hex(token.trim().as_bytes());
        self.store.invite_by_token(&token_hash).await.map_err(|e| not_found(e, "invite"))?;
        meta.password_turn()?;
        let hash = hash_password(password.expose().to_owned()).await?;
        let agent = self.store.accept_invite(&token_hash, name.as_str(), &hash).await.map_err(|e| match e {
            // The address got an account elsewhere: the invite cannot be used.
            StoreError::NotFound | StoreError::Conflict(crate::store::Constraint::AgentEmail) => ApiError::NotFound("invite"),
            other => other.into(),
        })?;
        self.new_session(agent).await
    }

    pub async fn set_agent_role(&self, p: &Principal, agent_id: &str, role: Role) -> ApiResult<AgentRow> {
        let a = admin(p)?;
        let target = self.store.agent(&a.org_id, agent_id).await?;
        guard_owner(a, &target, Some(role))?;
        let row = self.store.set_agent_role(&a.org_id, agent_id, role).await?;
        self.access_changed(&row);
        self.audit(p, "agent.set_role", Some(agent_id)).await?;
        Ok(row)
    }

    /// Sets the signed-in agent's availability.
    pub async fn set_agent_status(&self, p: &Principal, status: crate::domain::AgentStatus) -> ApiResult<AgentRow> {
        let a = super::agent(p)?;
        let row = self.store.set_agent_status(&a.org_id, &a.id, status).await?;
        if status == crate::domain::AgentStatus::Online {
            self.route(&a.org_id);
        }
        Ok(row)
    }

    pub async fn remove_agent(&self, p: &Principal, agent_id: &str) -> ApiResult<AgentRow> {
        let a = admin(p)?;
        let target = self.store.agent(&a.org_id, agent_id).await?;
        guard_owner(a, &target, None)?;
        let row = self.store.remove_agent(&a.org_id, agent_id).await?;
        self.access_changed(&row);
        self.audit(p, "agent.remove", Some(agent_id)).await?;
        Ok(row)
    }

    /// Emails a one-time reset link if the email belongs to an agent. Always succeeds,
    /// so the answer never reveals which emails have accounts.
    pub async fn request_password_reset(&self, meta: &RequestMeta, email: &str) -> ApiResult<()> {
        let Ok(email) = Email::parse(email) else { return Ok(()) };
        let window = Quota::per_window(5, Duration::from_secs(3600));
        self.limit(&format!("reset:{}", email.as_str()), window).await?;
        if let Some(ip) = &meta.ip {
            self.limit(&format!("reset-ip:{ip}"), Quota::per_window(30, Duration::from_secs(3600))).await?;
        }
        let Some(agent) = self.store.agent_by_email(email.as_str()).await? else { return Ok(()) };
        let token = format!("pr_{}", random_token(24));
        let link = self.mailer.link(&format!("/app/reset-password?token={token}"));
        let email = self.email_job(
            Some(&agent.org_id),
            &agent.email,
            "Reset your Chinwag password".into(),
            format!("Someone (hopefully you) asked to reset the password of {}.\n\nChoose a new one here within an hour:\n{link}\n\nIf it was not you, ignore this email.\n", agent.email),
        );
        self.store.create_password_reset(&agent.id, &sha256_hex(token.as_bytes()), RESET_TTL_MS, &[email]).await?;
        self.jobs.wake();
        Ok(())
    }

    /// Sets a new password with a reset token; every other session of the agent ends.
    pub async fn reset_password(&self, meta: &RequestMeta, token: &str, password: &str) -> ApiResult<Session> {
        let password = Password::parse(password)?;
        self.limit_token_guess(meta).await?;
        let token_hash = sha256_hex(token.trim().as_bytes());
        // The token first (without spending it): a made-up one costs a lookup, not a hash.
        self.store.password_reset_valid(&token_hash).await.map_err(|e| not_found(e, "reset token"))?;
        meta.password_turn()?;
        let hash = hash_password(password.expose().to_owned()).await?;
        let agent_id = self.store.spend_password_reset(&token_hash).await.map_err(|e| not_found(e, "reset token"))?;
        self.store_password(&agent_id, &hash).await?;
        let agent = self.store.agent_any(&agent_id).await?;
        self.store.audit(&agent.org_id, "agent", &agent.id, "agent.password_reset", Some(&agent.id), meta.ip.as_deref()).await?;
        self.new_session(agent).await
    }

    pub async fn change_password(&self, meta: &RequestMeta, p: &Principal, current: &str, new: &str) -> ApiResult<Session> {
        let a = super::agent(p)?;
        let agent = self.store.agent(&a.org_id, &a.id).await?;
        let new = Password::parse(new)?;
        // Two hashes (check, then the new one) as one turn: a request gets one such operation.
        meta.password_turn()?;
        if !verify_password(current.to_owned(), Some(agent.password_hash.clone())).await? {
            return Err(ApiError::Forbidden("the current password is wrong"));
        }
        self.set_password(&agent.id, new).await?;
        self.audit(p, "agent.password_change", Some(&a.id)).await?;
        let agent = self.store.agent(&a.org_id, &a.id).await?;
        self.new_session(agent).await
    }

    /// Per-IP guesses at one-time tokens (invites, resets): each costs a lookup, and a
    /// flood of them is refused before any work.
    async fn limit_token_guess(&self, meta: &RequestMeta) -> ApiResult<()> {
        match &meta.ip {
            Some(ip) => self.limit(&format!("token:{ip}"), Quota::per_window(self.settings.limits.token_attempts_per_ip, Duration::from_secs(900))).await,
            None => Ok(()),
        }
    }

    /// Sets a password and ends every session of the agent (admin task and change).
    pub async fn set_password(&self, agent_id: &str, password: Password) -> ApiResult<()> {
        let hash = hash_password(password.expose().to_owned()).await?;
        self.store_password(agent_id, &hash).await
    }

    /// Stores a hashed password and ends every session of the agent.
    async fn store_password(&self, agent_id: &str, hash: &str) -> ApiResult<()> {
        self.store.set_agent_password(agent_id, hash).await?;
        let row = self.store.agent_any(agent_id).await?;
        self.access_changed(&row);
        Ok(())
    }

    /// Makes an access change effective now here, and on other nodes via the bus.
    fn access_changed(&self, row: &AgentRow) {
        self.access.set_agent(&row.id, crate::auth::cache_entry(row));
        self.bus.publish(AUTH_TOPIC, Event::AgentAccessChanged { agent_id: row.id.clone() });
    }

    // ---- API keys ----

    /// `scopes`: none gives the default set; `websites`: none, all of them.
    pub async fn create_api_key(
        &self,
        p: &Principal,
        name: &str,
        expires_at: Option<i64>,
        scopes: Option<&[ApiKeyScope]>,
        websites: Option<&[String]>,
    ) -> ApiResult<(ApiKeyRow, String)> {
        let a = admin(p)?;
        let name = ApiKeyName::parse(name)?;
        if expires_at.is_some_and(|t| t <= now_ms()) {
            return Err(ApiError::BadInput("expiresAt must be in the future".into()));
        }
        let scopes = Scopes::of(scopes.unwrap_or(&ApiKeyScope::DEFAULT));
        if scopes.is_empty() {
            return Err(ApiError::BadInput("scopes must name at least one scope".into()));
        }
        let websites = match websites {
            None => None,
            Some(ids) => {
                if ids.is_empty() || ids.len() > MAX_KEY_WEBSITES {
                    return Err(ApiError::BadInput(format!("websiteIds must name 1 to {MAX_KEY_WEBSITES} websites")));
                }
                let mut ids = ids.to_vec();
                ids.sort();
                ids.dedup();
                let own = self.store.websites(&a.org_id).await?;
                if let Some(missing) = ids.iter().find(|id| !own.iter().any(|w| &w.id == *id)) {
                    // Another tenant's website is as unknown as a missing one.
                    return Err(ApiError::BadInput(format!("websiteIds: no website {missing}")));
                }
                Some(serde_json::to_string(&ids).expect("strings serialize"))
            }
        };
        let id = new_id("key");
        let secret = random_token(32);
        let row = self
            .store
            .create_api_key(NewApiKey {
                org_id: &a.org_id,
                id: &id,
                name: name.as_str(),
                secret_hash: &sha256_hex(secret.as_bytes()),
                created_by: &a.id,
                expires_at,
                scopes: &scopes.to_db(),
                website_ids: websites.as_deref(),
            })
            .await?;
        self.audit(p, "api_key.create", Some(&id)).await?;
        Ok((row, crate::auth::format_api_key(&id, &secret)))
    }

    pub async fn revoke_api_key(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let a = admin(p)?;
        self.store.revoke_api_key(&a.org_id, id).await.map_err(|e| not_found(e, "API key"))?;
        self.access.forget_key(id);
        self.bus.publish(AUTH_TOPIC, Event::ApiKeyRevoked { key_id: id.to_owned() });
        self.audit(p, "api_key.revoke", Some(id)).await?;
        Ok(())
    }

    // ---- departments ----

    pub async fn create_department(&self, p: &Principal, name: &str) -> ApiResult<DepartmentRow> {
        let a = admin(p)?;
        let name = DepartmentName::parse(name)?;
        let row = self.store.create_department(&a.org_id, name.as_str()).await?;
        self.audit(p, "department.create", Some(&row.id)).await?;
        Ok(row)
    }

    pub async fn rename_department(&self, p: &Principal, id: &str, name: &str) -> ApiResult<DepartmentRow> {
        let a = admin(p)?;
        let name = DepartmentName::parse(name)?;
        let row = self.store.rename_department(&a.org_id, id, name.as_str()).await?;
        self.audit(p, "department.rename", Some(id)).await?;
        Ok(row)
    }

    pub async fn delete_department(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let a = admin(p)?;
        self.store.delete_department(&a.org_id, id).await.map_err(|e| not_found(e, "department"))?;
        self.audit(p, "department.delete", Some(id)).await
    }

    pub async fn set_department_member(&self, p: &Principal, department_id: &str, agent_id: &str, member: bool) -> ApiResult<DepartmentRow> {
        let a = admin(p)?;
        let dep = self.store.department(&a.org_id, department_id).await.map_err(|e| not_found(e, "department"))?;
        self.store.agent(&a.org_id, agent_id).await.map_err(|e| not_found(e, "agent"))?;
        self.store.set_department_member(&dep.id, agent_id, member).await?;
        self.audit(p, if member { "department.member_add" } else { "department.member_remove" }, Some(agent_id)).await?;
        Ok(dep)
    }
}

/// The owner cannot be removed or demoted, and only the owner makes owners.
fn guard_owner(actor: &AgentPrincipal, target: &AgentRow, new_role: Option<Role>) -> ApiResult<()> {
    if target.role == Role::Owner {
        return Err(ApiError::Forbidden("the owner cannot be removed or demoted"));
    }
    if new_role == Some(Role::Owner) && actor.role != Role::Owner {
        return Err(ApiError::Forbidden("only the owner can make another owner"));
    }
    if target.id == actor.id {
        return Err(ApiError::Forbidden("you cannot change your own role or remove yourself"));
    }
    Ok(())
}

pub fn not_found(e: StoreError, what: &'static str) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}

impl App {
    /// The organization's audit log, newest first (owners and admins).
    pub async fn audit_page(
        &self,
        p: &Principal,
        f: &crate::store::AuditFilter,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> ApiResult<Vec<crate::store::AuditRow>> {
        let a = admin(p)?;
        Ok(self.store.audit_page(&a.org_id, f, before, limit).await?)
    }

    /// The audit log as CSV, newest first, at most `MAX_AUDIT_EXPORT` entries; the export
    /// is itself recorded. Limited to 10 an hour per organization.
    pub async fn audit_csv(&self, p: &Principal, f: &crate::store::AuditFilter) -> ApiResult<String> {
        let a = admin(p)?;
        self.limit(&format!("audit-export:{}", a.org_id), Quota::per_window(10, Duration::from_secs(3600))).await?;
        self.audit(p, "audit.export", None).await?;
        let mut csv = String::from("time,action,actor_kind,actor_id,target_id,ip\n");
        let mut before: Option<(i64, String)> = None;
        let mut n = 0;
        while n < MAX_AUDIT_EXPORT {
            let rows = self.store.audit_page(&a.org_id, f, before.as_ref().map(|(t, id)| (*t, id.as_str())), 1000).await?;
            let Some(last) = rows.last() else { break };
            before = Some((last.created_at, last.id.clone()));
            for r in &rows {
                let fields = [
                    crate::time::rfc3339(r.created_at),
                    r.action.clone(),
                    r.actor_kind.clone(),
                    r.actor_id.clone(),
                    r.target_id.clone().unwrap_or_default(),
                    r.ip.clone().unwrap_or_default(),
                ];
                csv.push_str(&fields.iter().map(|v| csv_field(v)).collect::<Vec<_>>().join(","));
                csv.push('\n');
            }
            n += rows.len();
            if rows.len() < 1000 {
                break;
            }
        }
        Ok(csv)
    }
}

/// The most entries one audit export holds (narrow it with `since`/`until` for more).
pub const MAX_AUDIT_EXPORT: usize = 100_000;

/// A CSV field (RFC 4180), defused for spreadsheets: a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so it is never run as a formula.
pub(crate) fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) { format!("'{v}") } else { v.to_owned() };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(super::csv_field("agent.invite"), "agent.invite");
        assert_eq!(super::csv_field("a,b"), "\"a,b\"");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(super::csv_field("-1"), "'-1");
    }
}
