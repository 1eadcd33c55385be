//! Attachment records; the bytes live in object storage (`crate::files`).

use super::{Found, Store, StoreResult};
use crate::ids::new_id;
use crate::time::now_ms;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct AttachmentRow {
    pub id: String,
    pub org_id: String,
    pub conversation_id: String,
    pub uploader_kind: String,
    pub uploader_id: String,
    pub message_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub storage_key: String,
    pub created_at: i64,
}

macro_rules! attachment_cols {
    () => {
        "id, org_id, conversation_id, uploader_kind, uploader_id, message_id, filename, content_type, size, storage_key, created_at"
    };
}
pub(crate) use attachment_cols;

pub struct NewAttachment<'a> {
    pub org_id: &'a str,
    pub conversation_id: &'a str,
    pub uploader_kind: &'a str,
    pub uploader_id: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub storage_key: &'a str,
}

impl Store {
    pub async fn create_attachment(&self, a: NewAttachment<'_>) -> StoreResult<AttachmentRow> {
        on_write!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, AttachmentRow>(concat!(
                "insert into attachments (id, org_id, conversation_id, uploader_kind, uploader_id, filename, content_type, size, storage_key, created_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ",
                attachment_cols!()
            ))
            .bind(new_id("att"))
            .bind(a.org_id)
            .bind(a.conversation_id)
            .bind(a.uploader_kind)
            .bind(a.uploader_id)
            .bind(a.filename)
            .bind(a.content_type)
            .bind(a.size)
            .bind(a.storage_key)
            .bind(now_ms())
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn attachment(&self, id: &str) -> StoreResult<AttachmentRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, AttachmentRow>(concat!("select ", attachment_cols!(), " from attachments where id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// How many uploads of this conversation are not attached to a message yet.
    pub async fn pending_uploads(&self, conversation_id: &str) -> StoreResult<i64> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>("select count(*) from attachments where conversation_id = $1 and message_id is null")
                .bind(conversation_id)
                .fetch_one(pool)
                .await?)
        })
    }
}
