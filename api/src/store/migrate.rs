//! Migrations, embedded in the binary so `chinwag` runs from anywhere. Each dialect has
//! its own folder with the same stems; the server applies pending ones at start.

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use super::{anyhow_like, Store};

#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, sqlx::error::BoxDynError>> {
        Box::pin(async move {
            Ok(self.0.iter().map(|(v, d, sql)| Migration::new(*v, Cow::Borrowed(*d), MigrationType::Simple, Cow::Borrowed(*sql), false)).collect())
        })
    }
}

const SQLITE: &[(i64, &str, &str)] = &[
    (20261127000001, "init", include_str!("../../../migrations/sqlite/20261127000001_init.sql")),
    (20261127000002, "pages search profile", include_str!("../../../migrations/sqlite/20261127000002_pages_search_profile.sql")),
    (20261127000003, "website hours prechat", include_str!("../../../migrations/sqlite/20261127000003_website_hours_prechat.sql")),
    (20261127000004, "password resets", include_str!("../../../migrations/sqlite/20261127000004_password_resets.sql")),
    (20261127000005, "attachments", include_str!("../../../migrations/sqlite/20261127000005_attachments.sql")),
    (20261204000001, "jobs", include_str!("../../../migrations/sqlite/20261204000001_jobs.sql")),
    (20261205000001, "visitor blocks", include_str!("../../../migrations/sqlite/20261205000001_visitor_blocks.sql")),
    (20261205000002, "visitor email verified", include_str!("../../../migrations/sqlite/20261205000002_visitor_email_verified.sql")),
    (20261205000003, "search per organization", include_str!("../../../migrations/sqlite/20261205000003_search_per_organization.sql")),
    (20261205000004, "search org term and active blocks", include_str!("../../../migrations/sqlite/20261205000004_search_org_term_and_active_blocks.sql")),
    (20261205000005, "audit log readable", include_str!("../../../migrations/sqlite/20261205000005_audit_log_readable.sql")),
    (20261205000006, "api key expiry", include_str!("../../../migrations/sqlite/20261205000006_api_key_expiry.sql")),
    (20261205000007, "visitor server attributes", include_str!("../../../migrations/sqlite/20261205000007_visitor_server_attributes.sql")),
    (20261205000008, "api key scopes", include_str!("../../../migrations/sqlite/20261205000008_api_key_scopes.sql")),
    (20261205000009, "privacy", include_str!("../../../migrations/sqlite/20261205000009_privacy.sql")),
    (20261205000010, "website privacy", include_str!("../../../migrations/sqlite/20261205000010_website_privacy.sql")),
    (20261206000001, "routing", include_str!("../../../migrations/sqlite/20261206000001_routing.sql")),
    (20261206000002, "routing rules", include_str!("../../../migrations/sqlite/20261206000002_routing_rules.sql")),
    (20261206000003, "website deletion", include_str!("../../../migrations/sqlite/20261206000003_website_deletion.sql")),
    (20261206000004, "reassign unanswered", include_str!("../../../migrations/sqlite/20261206000004_reassign_unanswered.sql")),
    (20261206000005, "sla", include_str!("../../../migrations/sqlite/20261206000005_sla.sql")),
    (20261206000006, "schedule", include_str!("../../../migrations/sqlite/20261206000006_schedule.sql")),
    (20261206000007, "offers", include_str!("../../../migrations/sqlite/20261206000007_offers.sql")),
    (20261206000008, "visitor language", include_str!("../../../migrations/sqlite/20261206000008_visitor_language.sql")),
    (20261207000001, "triggers automations", include_str!("../../../migrations/sqlite/20261207000001_triggers_automations.sql")),
    (20261207000002, "live presence", include_str!("../../../migrations/sqlite/20261207000002_live_presence.sql")),
    (20261207000003, "web push", include_str!("../../../migrations/sqlite/20261207000003_web_push.sql")),
    (20261207000004, "sla breaches", include_str!("../../../migrations/sqlite/20261207000004_sla_breaches.sql")),
    (20261208000001, "integrations", include_str!("../../../migrations/sqlite/20261208000001_integrations.sql")),
    (20261209000001, "channels", include_str!("../../../migrations/sqlite/20261209000001_channels.sql")),
    (20261210000001, "waiting lines", include_str!("../../../migrations/sqlite/20261210000001_waiting_lines.sql")),
    (20261210000002, "conversions", include_str!("../../../migrations/sqlite/20261210000002_conversions.sql")),
    (20261211000001, "analytics", include_str!("../../../migrations/sqlite/20261211000001_analytics.sql")),
    (20261212000001, "slack sync leases", include_str!("../../../migrations/sqlite/20261212000001_slack_sync_leases.sql")),
    (20261213000001, "knowledge base", include_str!("../../../migrations/sqlite/20261213000001_knowledge_base.sql")),
    (20261213000002, "answer bot", include_str!("../../../migrations/sqlite/20261213000002_answer_bot.sql")),
    (20261214000001, "help domain", include_str!("../../../migrations/sqlite/20261214000001_help_domain.sql")),
    (20261214000002, "analytics sentiment", include_str!("../../../migrations/sqlite/20261214000002_analytics_sentiment.sql")),
    (20261215000001, "article vectors", include_str!("../../../migrations/sqlite/20261215000001_article_vectors.sql")),
    (20261216000001, "article search reads", include_str!("../../../migrations/sqlite/20261216000001_article_search_reads.sql")),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (20261127000001, "init", include_str!("../../../migrations/postgres/20261127000001_init.sql")),
    (20261127000002, "pages search profile", include_str!("../../../migrations/postgres/20261127000002_pages_search_profile.sql")),
    (20261127000003, "website hours prechat", include_str!("../../../migrations/postgres/20261127000003_website_hours_prechat.sql")),
    (20261127000004, "password resets", include_str!("../../../migrations/postgres/20261127000004_password_resets.sql")),
    (20261127000005, "attachments", include_str!("../../../migrations/postgres/20261127000005_attachments.sql")),
    (20261204000001, "jobs", include_str!("../../../migrations/postgres/20261204000001_jobs.sql")),
    (20261205000001, "visitor blocks", include_str!("../../../migrations/postgres/20261205000001_visitor_blocks.sql")),
    (20261205000002, "visitor email verified", include_str!("../../../migrations/postgres/20261205000002_visitor_email_verified.sql")),
    (20261205000003, "search per organization", include_str!("../../../migrations/postgres/20261205000003_search_per_organization.sql")),
    (20261205000004, "search org term and active blocks", include_str!("../../../migrations/postgres/20261205000004_search_org_term_and_active_blocks.sql")),
    (20261205000005, "audit log readable", include_str!("../../../migrations/postgres/20261205000005_audit_log_readable.sql")),
    (20261205000006, "api key expiry", include_str!("../../../migrations/postgres/20261205000006_api_key_expiry.sql")),
    (20261205000007, "visitor server attributes", include_str!("../../../migrations/postgres/20261205000007_visitor_server_attributes.sql")),
    (20261205000008, "api key scopes", include_str!("../../../migrations/postgres/20261205000008_api_key_scopes.sql")),
    (20261205000009, "privacy", include_str!("../../../migrations/postgres/20261205000009_privacy.sql")),
    (20261205000010, "website privacy", include_str!("../../../migrations/postgres/20261205000010_website_privacy.sql")),
    (20261206000001, "routing", include_str!("../../../migrations/postgres/20261206000001_routing.sql")),
    (20261206000002, "routing rules", include_str!("../../../migrations/postgres/20261206000002_routing_rules.sql")),
    (20261206000003, "website deletion", include_str!("../../../migrations/postgres/20261206000003_website_deletion.sql")),
    (20261206000004, "reassign unanswered", include_str!("../../../migrations/postgres/20261206000004_reassign_unanswered.sql")),
    (20261206000005, "sla", include_str!("../../../migrations/postgres/20261206000005_sla.sql")),
    (20261206000006, "schedule", include_str!("../../../migrations/postgres/20261206000006_schedule.sql")),
    (20261206000007, "offers", include_str!("../../../migrations/postgres/20261206000007_offers.sql")),
    (20261206000008, "visitor language", include_str!("../../../migrations/postgres/20261206000008_visitor_language.sql")),
    (20261207000001, "triggers automations", include_str!("../../../migrations/postgres/20261207000001_triggers_automations.sql")),
    (20261207000002, "live presence", include_str!("../../../migrations/postgres/20261207000002_live_presence.sql")),
    (20261207000003, "web push", include_str!("../../../migrations/postgres/20261207000003_web_push.sql")),
    (20261207000004, "sla breaches", include_str!("../../../migrations/postgres/20261207000004_sla_breaches.sql")),
    (20261208000001, "integrations", include_str!("../../../migrations/postgres/20261208000001_integrations.sql")),
    (20261209000001, "channels", include_str!("../../../migrations/postgres/20261209000001_channels.sql")),
    (20261210000001, "waiting lines", include_str!("../../../migrations/postgres/20261210000001_waiting_lines.sql")),
    (20261210000002, "conversions", include_str!("../../../migrations/postgres/20261210000002_conversions.sql")),
    (20261211000001, "analytics", include_str!("../../../migrations/postgres/20261211000001_analytics.sql")),
    (20261212000001, "slack sync leases", include_str!("../../../migrations/postgres/20261212000001_slack_sync_leases.sql")),
    (20261213000001, "knowledge base", include_str!("../../../migrations/postgres/20261213000001_knowledge_base.sql")),
    (20261213000002, "answer bot", include_str!("../../../migrations/postgres/20261213000002_answer_bot.sql")),
    (20261214000001, "help domain", include_str!("../../../migrations/postgres/20261214000001_help_domain.sql")),
    (20261214000002, "analytics sentiment", include_str!("../../../migrations/postgres/20261214000002_analytics_sentiment.sql")),
    (20261215000001, "article vectors", include_str!("../../../migrations/postgres/20261215000001_article_vectors.sql")),
    (20261216000001, "article search reads", include_str!("../../../migrations/postgres/20261216000001_article_search_reads.sql")),
];

impl Store {
    pub async fn migrate(&self) -> anyhow_like::Result<()> {
        match self {
            Store::Sqlite { write, .. } => Migrator::new(Embedded(SQLITE)).await?.run(write).await?,
            Store::Postgres(pool) => Migrator::new(Embedded(POSTGRES)).await?.run(pool).await?,
        }
        Ok(())
    }
}
