//! Privacy requests: erasing a person's data (docs/privacy.md), for owners and admins
//! and API keys with `VISITORS_ERASE`.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::guards::{Allow, Scope};
use super::types::DateTime;
use super::{ContextExt as _, GqlResult};
use crate::app::{ErasureMode, PersonRef};
use crate::store::ErasureRow;

/// Names the person of a privacy request: exactly one of the three.
#[derive(InputObject)]
pub struct PersonInput {
    pub visitor_id: Option<ID>,
    /// The site's own customer id (identity verification's `externalId`), on every
    /// website of the organization (or of the key's websites).
    pub external_id: Option<String>,
    /// Every visitor who gave this address.
    pub email: Option<String>,
}

impl PersonInput {
    fn as_ref(&self) -> PersonRef<'_> {
        PersonRef { visitor_id: self.visitor_id.as_ref().map(|i| i.as_str()), external_id: self.external_id.as_deref(), email: self.email.as_deref() }
    }
}

/// What an erasure removed: counts only, never what it was.
#[derive(SimpleObject)]
pub struct ErasureReceipt {
    /// Visitors whose data was removed (one erased before counts once).
    pub visitors: i64,
    /// Conversations deleted (mode `DELETE`) or cleared of the visitor's previews and
    /// rating comments (`TOMBSTONE`).
    pub conversations: i64,
    /// The visitor's messages deleted or emptied.
    pub messages: i64,
    /// Stored files deleted.
    pub files: i64,
    pub page_views: i64,
    /// Pending emails about the visitor cancelled.
    pub jobs: i64,
}

/// A request to erase a person's data, and its receipt once done.
pub struct Erasure(pub ErasureRow);

#[Object]
impl Erasure {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// `true` once everything was removed; until then a job is at work (seconds).
    async fn done(&self) -> bool {
        self.0.status == "done"
    }
    async fn mode(&self) -> ErasureMode {
        ErasureMode::from_db(&self.0.mode)
    }
    /// The visitors the request named (their ids survive in `TOMBSTONE` mode only).
    async fn visitor_ids(&self) -> Vec<ID> {
        serde_json::from_str::<Vec<String>>(&self.0.visitor_ids).unwrap_or_default().into_iter().map(ID).collect()
    }
    /// `agent` or `api_key`.
    async fn requested_by_kind(&self) -> &str {
        &self.0.requested_by_kind
    }
    async fn requested_by(&self) -> ID {
        ID(self.0.requested_by.clone())
    }
    async fn requested_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.map(DateTime)
    }
    async fn receipt(&self) -> ErasureReceipt {
        let e = &self.0;
        ErasureReceipt { visitors: e.visitors, conversations: e.conversations, messages: e.messages, files: e.files, page_views: e.page_views, jobs: e.jobs }
    }
}

#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// The organization's erasures, newest first (at most 100).
    #[graphql(guard = "Allow::Managers(Scope::VisitorsErase)")]
    async fn erasures(&self, ctx: &Context<'_>, #[graphql(default = 25)] first: i32) -> GqlResult<Vec<Erasure>> {
        Ok(ctx.app().erasures(ctx.viewer()?, first as i64).await?.into_iter().map(Erasure).collect())
    }

    #[graphql(guard = "Allow::Managers(Scope::VisitorsErase)")]
    async fn erasure(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Erasure> {
        Ok(Erasure(ctx.app().erasure(ctx.viewer()?, &id).await?))
    }

    /// What erasing a visitor does to its conversations.
    #[graphql(guard = "Allow::Managers(Scope::VisitorsErase)")]
    async fn erasure_mode(&self, ctx: &Context<'_>) -> GqlResult<ErasureMode> {
        Ok(ctx.app().erasure_mode(ctx.viewer()?).await?)
    }
}

#[derive(Default)]
pub struct PrivacyMutation;

#[Object]
impl PrivacyMutation {
    /// Erases a person's data everywhere Chinwag keeps it (docs/privacy.md): their
    /// sessions end at once and a job removes their messages (or conversations, per
    /// `erasureMode`), files, page views, profile and pending emails about them within
    /// seconds. Poll `erasure(id)` for the receipt. Erasing again is harmless.
    #[graphql(guard = "Allow::Managers(Scope::VisitorsErase)")]
    async fn erase_visitor(&self, ctx: &Context<'_>, input: PersonInput) -> GqlResult<Erasure> {
        Ok(Erasure(ctx.app().erase_visitor(ctx.viewer()?, input.as_ref()).await?))
    }

    /// Sets what erasing a visitor does to its conversations (owners and admins).
    #[graphql(guard = "Allow::Admins")]
    async fn set_erasure_mode(&self, ctx: &Context<'_>, mode: ErasureMode) -> GqlResult<ErasureMode> {
        Ok(ctx.app().set_erasure_mode(ctx.viewer()?, mode).await?)
    }
}
