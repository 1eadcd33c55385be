//! Privacy requests: erasing a person's data (docs/privacy.md), for owners and admins
//! and API keys with `VISITORS_ERASE`.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::guards::{Allow, Scope};
use super::types::DateTime;
use super::{ContextExt as _, GqlResult};
use crate::app::{ErasureMode, PersonRef};
use crate::store::{ErasureRow, ExportRow};

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

/// An archive of everything about a person (or a whole organization): built by a job
/// within seconds, then downloadable through `url` for 7 days.
pub struct Export(pub ExportRow);

#[Object]
impl Export {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// `VISITOR` or `ORGANIZATION`.
    async fn kind(&self) -> String {
        self.0.kind.to_uppercase()
    }
    /// `true` once the archive is built (then `url` is set), until it expires.
    async fn done(&self) -> bool {
        self.0.status == "done"
    }
    /// `true` once the archive was deleted (7 days after it was built).
    async fn expired(&self) -> bool {
        self.0.status == "expired"
    }
    /// The visitors exported (a person's export).
    async fn visitor_ids(&self) -> Vec<ID> {
        let subject: serde_json::Value = serde_json::from_str(&self.0.subject).unwrap_or_default();
        serde_json::from_value::<Vec<String>>(subject["visitorIds"].clone()).unwrap_or_default().into_iter().map(ID).collect()
    }
    async fn requested_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.map(DateTime)
    }
    async fn expires_at(&self) -> Option<DateTime> {
        self.0.expires_at.map(DateTime)
    }
    /// Bytes of the ZIP archive.
    async fn size(&self) -> Option<i64> {
        self.0.size
    }
    /// A signed link to the ZIP archive (no token needed: treat it as a secret), a
    /// path on this server; null until done and after it expires.
    async fn url(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        Ok(ctx.app().export_link(&self.0))
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

    /// The organization's exports, newest first (a key sees its own; a whole
    /// organization's export, its owners only).
    #[graphql(guard = "Allow::Managers(Scope::VisitorsExport)")]
    async fn exports(&self, ctx: &Context<'_>, #[graphql(default = 25)] first: i32) -> GqlResult<Vec<Export>> {
        Ok(ctx.app().exports(ctx.viewer()?, first as i64).await?.into_iter().map(Export).collect())
    }

    #[graphql(guard = "Allow::Managers(Scope::VisitorsExport)")]
    async fn export(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Export> {
        Ok(Export(ctx.app().export_of(ctx.viewer()?, &id).await?))
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

    /// Exports everything about a person (docs/privacy.md): profile, conversations
    /// (without the team's private notes), files and page views, as a ZIP archive. Poll
    /// `export(id)` for its `url`.
    #[graphql(guard = "Allow::Managers(Scope::VisitorsExport)")]
    async fn export_visitor(&self, ctx: &Context<'_>, input: PersonInput) -> GqlResult<Export> {
        Ok(Export(ctx.app().export_visitor(ctx.viewer()?, input.as_ref()).await?))
    }

    /// Exports the whole organization (owners only, 3 a day): websites, team, canned
    /// responses, and every visitor's data with the team's private notes.
    #[graphql(guard = "Allow::Admins")]
    async fn export_organization(&self, ctx: &Context<'_>) -> GqlResult<Export> {
        Ok(Export(ctx.app().export_organization(ctx.viewer()?).await?))
    }

    /// The visitor deletes their own conversations and data, where the website lets them
    /// (`WidgetConfig.visitorDeletion`): the same erasure as `eraseVisitor`, after which
    /// this token stops working. `true` once asked (the removal follows within seconds).
    #[graphql(guard = "Allow::Visitors")]
    async fn delete_my_data(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        ctx.app().delete_my_data(ctx.viewer()?).await?;
        Ok(true)
    }

    /// Sets what erasing a visitor does to its conversations (owners and admins).
    #[graphql(guard = "Allow::Admins")]
    async fn set_erasure_mode(&self, ctx: &Context<'_>, mode: ErasureMode) -> GqlResult<ErasureMode> {
        Ok(ctx.app().set_erasure_mode(ctx.viewer()?, mode).await?)
    }
}
