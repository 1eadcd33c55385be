//! Per-request DataLoaders, made when a field first needs one: every `senderName`,
//! `senderAvatarUrl`, `attachments`, `assignee` and `visitor` of one response is read in
//! one batch per kind, so a page of 200 messages costs a constant number of reads.
//! Scoped to the principal's organization, with no cache (a long-lived subscription must
//! not serve stale names).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::app::App;
use crate::app::{AgentRow, AttachmentRow, PersonRow, VisitorRow};
use crate::error::ApiError;

/// Where a request's loaders live once a field needs them.
#[derive(Default)]
pub struct LoaderCell(std::sync::OnceLock<Loaders>);

impl std::ops::Deref for LoaderCell {
    type Target = std::sync::OnceLock<Loaders>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The loaders of one request.
pub struct Loaders {
    pub people: DataLoader<ByOrg<People>>,
    pub agents: DataLoader<ByOrg<Agents>>,
    pub visitors: DataLoader<ByOrg<Visitors>>,
    pub attachments: DataLoader<ByOrg<Attachments>>,
}

impl Loaders {
    pub fn new(app: &Arc<App>, org_id: &str) -> Loaders {
        fn loader<K>(app: &Arc<App>, org_id: &str) -> DataLoader<ByOrg<K>>
        where
            ByOrg<K>: Loader<String>,
        {
            DataLoader::new(ByOrg { app: app.clone(), org_id: org_id.to_owned(), _kind: std::marker::PhantomData }, tokio::spawn)
        }
        Loaders { people: loader(app, org_id), agents: loader(app, org_id), visitors: loader(app, org_id), attachments: loader(app, org_id) }
    }
}

/// A loader of `K`s of one organization.
pub struct ByOrg<K> {
    app: Arc<App>,
    org_id: String,
    _kind: std::marker::PhantomData<fn() -> K>,
}

pub struct People;
pub struct Agents;
pub struct Visitors;
pub struct Attachments;

impl Loader<String> for ByOrg<People> {
    type Value = PersonRow;
    type Error = ApiError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, PersonRow>, ApiError> {
        self.app.people(&self.org_id, keys).await
    }
}

impl Loader<String> for ByOrg<Agents> {
    type Value = AgentRow;
    type Error = ApiError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, AgentRow>, ApiError> {
        self.app.agents_by_ids(&self.org_id, keys).await
    }
}

impl Loader<String> for ByOrg<Visitors> {
    type Value = VisitorRow;
    type Error = ApiError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, VisitorRow>, ApiError> {
        self.app.visitors_by_ids(&self.org_id, keys).await
    }
}

impl Loader<String> for ByOrg<Attachments> {
    type Value = Vec<AttachmentRow>;
    type Error = ApiError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Vec<AttachmentRow>>, ApiError> {
        self.app.attachments_of(&self.org_id, keys).await
    }
}
