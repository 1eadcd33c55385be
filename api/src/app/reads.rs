//! What principals read, scoped by the principal: the directory (agents, departments,
//! invites, keys, websites), a conversation's pages and read positions, and batches by
//! id for the per-request loaders. Resolvers read through here, never the store.

use std::collections::HashMap;

use super::{admin, agent, staff, visitor, App};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::store::{
    AgentRow, ApiKeyRow, AttachmentRow, ConversationRow, DepartmentRow, InviteRow, MessageRow, PageDirection, PageViewRow, PersonRow, ReadRow, VisitorRow,
    WebsiteRow,
};

/// The most messages one page returns.
pub const MAX_PAGE: i32 = 200;

/// A page of a conversation's messages, oldest first.
pub struct MessagePage {
    pub messages: Vec<MessageRow>,
    pub has_next: bool,
    pub has_previous: bool,
}

/// Where a page of messages starts, by message id.
pub enum PageFrom<'a> {
    /// The first `n` after this message (or from the start).
    First(i32, Option<&'a str>),
    /// The last `n` before this message (or up to the end).
    Last(i32, Option<&'a str>),
}

impl App {
    /// The signed-in agent.
    pub async fn me(&self, p: &Principal) -> ApiResult<AgentRow> {
        let a = agent(p)?;
        Ok(self.store.agent(&a.org_id, &a.id).await?)
    }

    pub async fn agents(&self, p: &Principal) -> ApiResult<Vec<AgentRow>> {
        let (org, _, _) = staff(p)?;
        Ok(self.store.agents(org).await?)
    }

    pub async fn departments(&self, p: &Principal) -> ApiResult<Vec<DepartmentRow>> {
        let (org, _, _) = staff(p)?;
        Ok(self.store.departments(org).await?)
    }

    /// A department of the conversation's organization, if it still exists.
    pub async fn department_of(&self, c: &ConversationRow) -> ApiResult<Option<DepartmentRow>> {
        let Some(id) = &c.department_id else { return Ok(None) };
        match self.store.department(&c.org_id, id).await {
            Ok(d) => Ok(Some(d)),
            Err(crate::store::StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The live agents of a department.
    pub async fn department_members(&self, d: &DepartmentRow) -> ApiResult<Vec<AgentRow>> {
        let ids = self.store.department_member_ids(&d.id).await?;
        let mut members = self.store.agents_by_ids(&d.org_id, &ids).await?;
        members.retain(|a| a.removed_at.is_none());
        members.sort_by_key(|a| ids.iter().position(|i| *i == a.id));
        Ok(members)
    }

    pub async fn pending_invites(&self, p: &Principal) -> ApiResult<Vec<InviteRow>> {
        let a = admin(p)?;
        Ok(self.store.pending_invites(&a.org_id).await?)
    }

    pub async fn api_keys(&self, p: &Principal) -> ApiResult<Vec<ApiKeyRow>> {
        let a = admin(p)?;
        Ok(self.store.api_keys(&a.org_id).await?)
    }

    pub async fn websites(&self, p: &Principal) -> ApiResult<Vec<WebsiteRow>> {
        let (org, _, _) = staff(p)?;
        Ok(self.store.websites(org).await?.into_iter().filter(|w| p.sees_website(&w.id)).collect())
    }

    pub async fn website(&self, p: &Principal, id: &str) -> ApiResult<WebsiteRow> {
        let (org, _, _) = staff(p)?;
        let w = self.store.website(org, id).await.map_err(|e| super::not_found(e, "website"))?;
        if !p.sees_website(&w.id) {
            return Err(ApiError::NotFound("website"));
        }
        Ok(w)
    }

    /// The visitor of a visitor token.
    pub async fn current_visitor(&self, p: &Principal) -> ApiResult<VisitorRow> {
        let v = visitor(p)?;
        Ok(self.store.visitor(&v.org_id, &v.id).await?)
    }

    /// Pages a visitor viewed, newest first (staff only: anyone else gets none).
    pub async fn page_views(&self, p: &Principal, v: &VisitorRow, first: i32) -> ApiResult<Vec<PageViewRow>> {
        match staff(p) {
            Ok((org, _, _)) if org == v.org_id && p.sees_website(&v.website_id) => Ok(self.store.page_views(&v.id, first.clamp(1, 100) as i64).await?),
            _ => Ok(Vec::new()),
        }
    }

    /// The visitor's conversions, newest first; none for anyone but staff who see the
    /// visitor's website.
    pub async fn visitor_conversions(&self, p: &Principal, v: &VisitorRow, first: i32) -> ApiResult<Vec<crate::store::ConversionRow>> {
        match staff(p) {
            Ok((org, _, _)) if org == v.org_id && p.sees_website(&v.website_id) => {
                Ok(self.store.visitor_conversions(org, &v.id, first.clamp(1, 100) as i64).await?)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// A page of the conversation's messages as `p` may see them (no notes for a visitor).
    pub async fn message_page(&self, p: &Principal, c: &ConversationRow, from: PageFrom<'_>) -> ApiResult<MessagePage> {
        let include_private = p.is_staff();
        let (dir, limit) = match from {
            PageFrom::First(n, after) => (PageDirection::After(self.cursor_seq(c, after, include_private, 0).await?), n),
            PageFrom::Last(n, before) => (PageDirection::Before(self.cursor_seq(c, before, include_private, i64::MAX).await?), n),
        };
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::BadInput(format!("page size must be 1 to {MAX_PAGE}")));
        }
        let mut rows = self.store.message_page(&c.id, dir, limit as i64 + 1, include_private).await?;
        let more = rows.len() > limit as usize;
        if more {
            match dir {
                PageDirection::After(_) => drop(rows.pop()),
                PageDirection::Before(_) => drop(rows.remove(0)),
            }
        }
        let (has_next, has_previous) = match dir {
            PageDirection::After(_) => (more, false),
            PageDirection::Before(_) => (false, more),
        };
        Ok(MessagePage { messages: rows, has_next, has_previous })
    }

    /// The `seq` of a cursor message (`none` without one); a note is no cursor for a visitor.
    async fn cursor_seq(&self, c: &ConversationRow, id: Option<&str>, include_private: bool, none: i64) -> ApiResult<i64> {
        let Some(id) = id else { return Ok(none) };
        match self.store.message(&c.id, id).await {
            Ok(m) if include_private || !m.is_private => Ok(m.seq),
            Ok(_) | Err(crate::store::StoreError::NotFound) => Err(ApiError::NotFound("message")),
            Err(e) => Err(e.into()),
        }
    }

    /// How many messages of the conversation `p` has not read (excluding its own).
    pub async fn unread_count(&self, p: &Principal, c: &ConversationRow) -> ApiResult<i64> {
        let (kind, id, private) = match p {
            Principal::Visitor(v) => ("visitor", v.id.as_str(), false),
            Principal::Agent(a) => ("agent", a.id.as_str(), true),
            Principal::ApiKey(k) => ("bot", k.id.as_str(), true),
        };
        Ok(self.store.unread_count(&c.id, kind, id, private).await?)
    }

    /// Where each participant has read up to, as `p` may see it.
    pub async fn read_positions(&self, p: &Principal, c: &ConversationRow) -> ApiResult<Vec<ReadRow>> {
        Ok(self.store.read_positions(&c.id, p.is_staff()).await?)
    }

    /// Names and avatars by id, for the loaders.
    pub async fn people(&self, org_id: &str, ids: &[String]) -> ApiResult<HashMap<String, PersonRow>> {
        Ok(self.store.people(org_id, ids).await?.into_iter().map(|r| (r.id.clone(), r)).collect())
    }

    /// Agents by id (removed ones included), for the loaders.
    pub async fn agents_by_ids(&self, org_id: &str, ids: &[String]) -> ApiResult<HashMap<String, AgentRow>> {
        Ok(self.store.agents_by_ids(org_id, ids).await?.into_iter().map(|r| (r.id.clone(), r)).collect())
    }

    /// Visitors by id, for the loaders.
    pub async fn visitors_by_ids(&self, org_id: &str, ids: &[String]) -> ApiResult<HashMap<String, VisitorRow>> {
        Ok(self.store.visitors_by_ids(org_id, ids).await?.into_iter().map(|r| (r.id.clone(), r)).collect())
    }

    /// Attachments by message id, for the loaders.
    pub async fn attachments_of(&self, org_id: &str, message_ids: &[String]) -> ApiResult<HashMap<String, Vec<AttachmentRow>>> {
        let mut out: HashMap<String, Vec<AttachmentRow>> = HashMap::new();
        for a in self.store.attachments_of(org_id, message_ids).await? {
            if let Some(m) = a.message_id.clone() {
                out.entry(m).or_default().push(a);
            }
        }
        Ok(out)
    }
}
