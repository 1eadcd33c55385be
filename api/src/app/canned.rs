//! Canned responses: saved replies of an organization, inserted by typing `/shortcut`.
//! Any staff member may manage them.

use super::{not_found, staff, App};
use crate::auth::Principal;
use crate::domain::{CannedBody, CannedTitle, Shortcut};
use crate::error::ApiResult;
use crate::store::CannedRow;

/// A change to a canned response; absent fields stay as they are.
#[derive(Default)]
pub struct CannedPatch<'a> {
    pub shortcut: Option<&'a str>,
    pub title: Option<&'a str>,
    pub body: Option<&'a str>,
}

impl App {
    pub async fn canned_responses(&self, p: &Principal) -> ApiResult<Vec<CannedRow>> {
        let (org, _, _) = staff(p)?;
        Ok(self.store.canned_responses(org).await?)
    }

    pub async fn create_canned(&self, p: &Principal, shortcut: &str, title: &str, body: &str) -> ApiResult<CannedRow> {
        let (org, _, _) = staff(p)?;
        let (shortcut, title, body) = (Shortcut::parse(shortcut)?, CannedTitle::parse(title)?, CannedBody::parse(body)?);
        Ok(self.store.create_canned(org, shortcut.as_str(), title.as_str(), body.as_str()).await?)
    }

    pub async fn update_canned(&self, p: &Principal, id: &str, patch: CannedPatch<'_>) -> ApiResult<CannedRow> {
        let (org, _, _) = staff(p)?;
        let shortcut = patch.shortcut.map(Shortcut::parse).transpose()?;
        let title = patch.title.map(CannedTitle::parse).transpose()?;
        let body = patch.body.map(CannedBody::parse).transpose()?;
        self.store
            .update_canned(org, id, shortcut.as_ref().map(|s| s.as_str()), title.as_ref().map(|t| t.as_str()), body.as_ref().map(|b| b.as_str()))
            .await
            .map_err(|e| not_found(e, "canned response"))
    }

    pub async fn delete_canned(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let (org, _, _) = staff(p)?;
        self.store.delete_canned(org, id).await.map_err(|e| not_found(e, "canned response"))
    }
}
