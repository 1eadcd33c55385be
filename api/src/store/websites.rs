//! Websites (the widget's home: public key, origins, appearance), visitors and their page views.

use super::jobs::insert_jobs;
use super::rows::{visitor_cols, website_cols};
use super::{Found, NewJob, Store, StoreError, StoreResult, VisitorRow, WebsiteRow};
use crate::ids::new_id;
use crate::time::now_ms;

/// Appearance and behaviour a website update may change; `None` keeps the current value.
#[derive(Default)]
pub struct WebsitePatch {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub color: Option<String>,
    pub position: Option<&'static str>,
    pub launcher_text: Option<String>,
    pub greeting: Option<String>,
    pub rotate_identity_secret: Option<String>,
    /// Some(None) clears (always open).
    pub business_hours: Option<Option<String>>,
    pub pre_chat_fields: Option<String>,
    pub offline_messages: Option<bool>,
    pub powered_by: Option<bool>,
    /// Some: set both retention periods (a None in it: kept forever).
    pub retention: Option<(Option<i64>, Option<i64>)>,
    /// Some(None) removes the link.
    pub privacy_policy_url: Option<Option<String>>,
    pub visitor_deletion: Option<bool>,
    pub live_presence: Option<&'static str>,
    pub page_analytics: Option<bool>,
    /// JSON array of goal names.
    pub goals: Option<String>,
    pub conversion_window_days: Option<i64>,
    pub browser_revenue: Option<bool>,
}

/// What a visit records about a visitor; `None` keeps what is known.
pub struct Visit<'a> {
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    /// `email` is signed by the site's server (identity verification): it is vouched for.
    /// An unsigned email other than the known one clears the vouch.
    pub email_signed: bool,
    pub resume_hash: &'a str,
    /// Set once, when the visitor is verified; never replaced.
    pub external_id: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// The whole attribute object (already merged with the known one), or `None` to keep.
    pub attributes: Option<String>,
    /// The browser's first language choice, or `None` to keep.
    pub language: Option<&'a str>,
}

pub struct NewVisitor<'a> {
    pub org_id: &'a str,
    pub website_id: &'a str,
    pub external_id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub resume_hash: &'a str,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

impl Store {
    pub async fn create_website(&self, org_id: &str, name: &str, origins: &[String], public_key: &str, identity_secret: &str) -> StoreResult<WebsiteRow> {
        let now = now_ms();
        let origins = serde_json::to_string(origins).expect("strings serialize");
        on_write!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, WebsiteRow>(concat!(
                "insert into websites (id, org_id, name, public_key, allowed_origins, identity_secret, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7) returning ",
                website_cols!()
            ))
            .bind(new_id("web"))
            .bind(org_id)
            .bind(name)
            .bind(public_key)
            .bind(origins)
            .bind(identity_secret)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn update_website(&self, org_id: &str, id: &str, p: WebsitePatch) -> StoreResult<WebsiteRow> {
        let origins = p.allowed_origins.map(|o| serde_json::to_string(&o).expect("strings serialize"));
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, WebsiteRow>(concat!(
                "update websites set name = coalesce($1, name), allowed_origins = coalesce($2, allowed_origins), color = coalesce($3, color), \
                 position = coalesce($4, position), launcher_text = coalesce($5, launcher_text), greeting = coalesce($6, greeting), \
                 identity_secret = coalesce($7, identity_secret), updated_at = $8, \
                 business_hours = case when $11 then $12 else business_hours end, pre_chat_fields = coalesce($13, pre_chat_fields), \
                 offline_messages = coalesce($14, offline_messages), powered_by = coalesce($15, powered_by), \
                 retain_resolved_days = case when $16 then $17 else retain_resolved_days end, \
                 retain_idle_visitor_days = case when $16 then $18 else retain_idle_visitor_days end, \
                 privacy_policy_url = case when $19 then $20 else privacy_policy_url end, visitor_deletion = coalesce($21, visitor_deletion), live_presence = coalesce($22, live_presence), \
                 page_analytics = coalesce($23, page_analytics), goals = coalesce($24, goals), \
                 conversion_window_days = coalesce($25, conversion_window_days), browser_revenue = coalesce($26, browser_revenue) \
                 where id = $9 and org_id = $10 and deleted_at is null returning ",
                website_cols!()
            ))
            .bind(p.name)
            .bind(origins)
            .bind(p.color)
            .bind(p.position)
            .bind(p.launcher_text)
            .bind(p.greeting)
            .bind(p.rotate_identity_secret)
            .bind(now_ms())
            .bind(id)
            .bind(org_id)
            .bind(p.business_hours.is_some())
            .bind(p.business_hours.flatten())
            .bind(p.pre_chat_fields)
            .bind(p.offline_messages)
            .bind(p.powered_by)
            .bind(p.retention.is_some())
            .bind(p.retention.and_then(|r| r.0))
            .bind(p.retention.and_then(|r| r.1))
            .bind(p.privacy_policy_url.is_some())
            .bind(p.privacy_policy_url.flatten())
            .bind(p.visitor_deletion)
            .bind(p.live_presence)
            .bind(p.page_analytics)
            .bind(p.goals)
            .bind(p.conversion_window_days)
            .bind(p.browser_revenue)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    pub async fn website(&self, org_id: &str, id: &str) -> StoreResult<WebsiteRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, WebsiteRow>(concat!("select ", website_cols!(), " from websites where id = $1 and org_id = $2 and deleted_at is null"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// By the public widget key: the one lookup that needs no principal.
    pub async fn website_by_key(&self, public_key: &str) -> StoreResult<WebsiteRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, WebsiteRow>(concat!("select ", website_cols!(), " from websites where public_key = $1 and deleted_at is null"))
                .bind(public_key)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    /// Sets (or with `None` clears) the website's help-center host name.
    pub async fn set_help_domain(&self, org_id: &str, id: &str, domain: Option<&str>) -> StoreResult<WebsiteRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, WebsiteRow>(concat!(
                "update websites set help_domain = $1, updated_at = $2 where id = $3 and org_id = $4 and deleted_at is null returning ",
                website_cols!()
            ))
            .bind(domain)
            .bind(now_ms())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// Every help-center host name with its website's public key.
    pub async fn help_domains(&self) -> StoreResult<Vec<(String, String)>> {
        on_read!(self, |pool, DB| Ok(sqlx::query_as::<DB, (String, String)>(
            "select help_domain, public_key from websites where help_domain is not null and deleted_at is null"
        )
        .fetch_all(pool)
        .await?))
    }

    pub async fn websites(&self, org_id: &str) -> StoreResult<Vec<WebsiteRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, WebsiteRow>(concat!(
                "select ",
                website_cols!(),
                " from websites where org_id = $1 and deleted_at is null order by created_at, id"
            ))
            .bind(org_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Deletes the website: its key and identity secret are replaced by the given
    /// unusable ones and its settings cleared, and `job` (which removes its visitors and
    /// conversations) commits with it. The row stays as a tombstone. Not found when it
    /// is not the organization's or already deleted.
    pub async fn delete_website(&self, org_id: &str, id: &str, at: i64, public_key: &str, identity_secret: &str, job: &NewJob) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query::<DB>(
                "update websites set deleted_at = $1, name = '', public_key = $2, identity_secret = $3, allowed_origins = '[]', help_domain = null, \
                 business_hours = null, pre_chat_fields = '[]', privacy_policy_url = null, greeting = '', launcher_text = '', updated_at = $1 \
                 where id = $4 and org_id = $5 and deleted_at is null",
            )
            .bind(at)
            .bind(public_key)
            .bind(identity_secret)
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            insert_jobs!(tx, DB, std::slice::from_ref(job), at);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Ids of some visitors of a website (what its deletion removes next).
    pub async fn website_visitor_ids(&self, website_id: &str, limit: i64) -> StoreResult<Vec<String>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, String>("select id from visitors where website_id = $1 order by id limit $2")
                .bind(website_id)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// What remains of a deleted website once its visitors are gone: blocks by address.
    pub async fn finish_website_deletion(&self, website_id: &str) -> StoreResult<()> {
        on_write!(self, |pool, DB| {
            sqlx::query::<DB>("delete from visitor_blocks where website_id = $1").bind(website_id).execute(pool).await?;
            Ok(())
        })
    }

    // ---- visitors ----

    pub async fn create_visitor(&self, v: NewVisitor<'_>) -> StoreResult<VisitorRow> {
        let now = now_ms();
        on_group!(self, atomic, |pool, DB| {
            Ok(sqlx::query_as::<DB, VisitorRow>(concat!(
                "insert into visitors (id, org_id, website_id, external_id, name, email, resume_hash, user_agent, ip, created_at, last_seen_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning ",
                visitor_cols!()
            ))
            .bind(new_id("vis"))
            .bind(v.org_id)
            .bind(v.website_id)
            .bind(v.external_id)
            .bind(v.name)
            .bind(v.email)
            .bind(v.resume_hash)
            .bind(v.user_agent)
            .bind(v.ip)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn visitor(&self, org_id: &str, id: &str) -> StoreResult<VisitorRow> {
        on_read!(self, |pool, DB| {
            sqlx::query_as::<DB, VisitorRow>(concat!("select ", visitor_cols!(), " from visitors where id = $1 and org_id = $2"))
                .bind(id)
                .bind(org_id)
                .fetch_optional(pool)
                .await
                .map_err(Into::into)
                .found()
        })
    }

    pub async fn visitor_by_resume(&self, website_id: &str, resume_hash: &str) -> StoreResult<Option<VisitorRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, VisitorRow>(concat!("select ", visitor_cols!(), " from visitors where website_id = $1 and resume_hash = $2"))
                .bind(website_id)
                .bind(resume_hash)
                .fetch_optional(pool)
                .await?)
        })
    }

    pub async fn visitor_by_external(&self, website_id: &str, external_id: &str) -> StoreResult<Option<VisitorRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, VisitorRow>(concat!("select ", visitor_cols!(), " from visitors where website_id = $1 and external_id = $2"))
                .bind(website_id)
                .bind(external_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Records a visit: contact details if given (never erasing known ones), last seen,
    /// a fresh resume secret, and optionally the verified external id.
    /// `jobs` commit with the visit (a newly identified visitor's webhook event).
    pub async fn touch_visitor(&self, id: &str, v: Visit<'_>, jobs: &[super::NewJob]) -> StoreResult<VisitorRow> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query_as::<DB, VisitorRow>(concat!(
                "update visitors set name = coalesce($1, name), email = coalesce($2, email), resume_hash = $3, external_id = coalesce(external_id, $4), \
                 user_agent = coalesce($5, user_agent), ip = coalesce($6, ip), last_seen_at = $7, attributes = coalesce($9, attributes), language = coalesce($11, language), \
                 email_verified_at = case when $10 then $7 when $2 is null or $2 = email then email_verified_at else null end where id = $8 returning ",
                visitor_cols!()
            ))
            .bind(v.name)
            .bind(v.email)
            .bind(v.resume_hash)
            .bind(v.external_id)
            .bind(v.user_agent)
            .bind(v.ip)
            .bind(now_ms())
            .bind(id)
            .bind(v.attributes)
            .bind(v.email_signed && v.email.is_some())
            .bind(v.language)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            super::jobs::insert_jobs!(tx, DB, jobs, now_ms());
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Replaces the visitor's attributes: the ones the site's server set, or (not
    /// `from_server`) the ones its browser set.
    pub async fn set_visitor_attributes(&self, org_id: &str, id: &str, from_server: bool, json: &str) -> StoreResult<VisitorRow> {
        let sql = if from_server {
            concat!("update visitors set server_attributes = $1 where id = $2 and org_id = $3 returning ", visitor_cols!())
        } else {
            concat!("update visitors set attributes = $1 where id = $2 and org_id = $3 returning ", visitor_cols!())
        };
        on_write!(self, |pool, DB| sqlx::query_as::<DB, VisitorRow>(sql)
            .bind(json)
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found())
    }

    /// Marks `email` as the visitor's, confirmed by its owner (a link mailed to it).
    pub async fn confirm_visitor_email(&self, org_id: &str, id: &str, email: &str) -> StoreResult<VisitorRow> {
        on_write!(self, |pool, DB| {
            sqlx::query_as::<DB, VisitorRow>(concat!(
                "update visitors set email = $1, email_verified_at = $2 where id = $3 and org_id = $4 returning ",
                visitor_cols!()
            ))
            .bind(email)
            .bind(now_ms())
            .bind(id)
            .bind(org_id)
            .fetch_optional(pool)
            .await
            .map_err(Into::into)
            .found()
        })
    }

    /// Moves an anonymous visitor's conversations to a verified visitor (never the reverse).
    pub async fn merge_visitor_into(&self, from_id: &str, into_id: &str) -> StoreResult<u64> {
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query::<DB>(
                "update conversations set visitor_id = $1 where visitor_id = $2 and exists (select 1 from visitors where id = $2 and external_id is null)",
            )
            .bind(into_id)
            .bind(from_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query::<DB>("update messages set sender_id = $1 where sender_kind = 'visitor' and sender_id = $2")
                .bind(into_id)
                .bind(from_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>("update read_positions set reader_id = $1 where reader_kind = 'visitor' and reader_id = $2 \
                               and not exists (select 1 from read_positions r where r.conversation_id = read_positions.conversation_id and r.reader_kind = 'visitor' and r.reader_id = $1)")
                .bind(into_id)
                .bind(from_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>(
                "update conversions set visitor_id = $1 where visitor_id = $2 and exists (select 1 from visitors where id = $2 and external_id is null)",
            )
            .bind(into_id)
            .bind(from_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(n)
        })
    }

    // ---- page views ----

    /// Records a page view and makes it the visitor's current page.
    pub async fn track_page_view(&self, org_id: &str, visitor_id: &str, url: &str, title: Option<&str>, referrer: Option<&str>) -> StoreResult<()> {
        let now = now_ms();
        on_write!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>("update visitors set current_url = $1, last_seen_at = $2 where id = $3 and org_id = $4")
                .bind(url)
                .bind(now)
                .bind(visitor_id)
                .bind(org_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>("insert into page_views (id, org_id, visitor_id, url, title, referrer, created_at) values ($1, $2, $3, $4, $5, $6, $7)")
                .bind(new_id("pv"))
                .bind(org_id)
                .bind(visitor_id)
                .bind(url)
                .bind(title)
                .bind(referrer)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Newest first.
    pub async fn page_views(&self, visitor_id: &str, limit: i64) -> StoreResult<Vec<super::PageViewRow>> {
        on_read!(self, |pool, DB| {
            Ok(sqlx::query_as::<DB, super::PageViewRow>(
                "select id, url, title, referrer, created_at from page_views where visitor_id = $1 order by created_at desc, id desc limit $2",
            )
            .bind(visitor_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }
}
