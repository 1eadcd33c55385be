//! The public GraphQL schema: one module per domain, merged here. The SDL printed by
//! `chinwag schema` and committed as `schema/schema.graphql` comes from `build_schema`.

mod account;
mod analytics;
mod articles;
mod assistant;
mod audit;
mod automation;
mod blocks;
pub(crate) mod budget;
mod channels;
mod conversation;
pub mod documents;
mod errors;
mod guards;
mod jobs;
mod loaders;
mod message;
mod privacy;
mod routing;
mod rules;
mod share;
mod sla;
mod subscription;
mod types;
mod webhooks;
mod website;

pub use errors::{finish_response, is_request_error};
pub use guards::Allow;
pub use share::shareable;

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Context, MergedObject, MergedSubscription, Schema};

use crate::app::{App, RequestMeta};
use crate::auth::Principal;
use crate::config::Limits;
use crate::error::ApiError;

#[derive(MergedObject, Default)]
pub struct Query(
    website::WebsiteQuery,
    account::AccountQuery,
    conversation::ConversationQuery,
    jobs::JobsQuery,
    blocks::BlocksQuery,
    audit::AuditQuery,
    privacy::PrivacyQuery,
    routing::RoutingQuery,
    rules::RulesQuery,
    automation::AutomationQuery,
    sla::SlaQuery,
    sla::ScheduleQuery,
    webhooks::WebhookQuery,
    channels::ChannelsQuery,
    channels::SlackQuery,
    analytics::AnalyticsQuery,
    articles::ArticleQuery,
    assistant::AssistantQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    website::WebsiteMutation,
    conversation::ConversationMutation,
    message::MessageMutation,
    jobs::JobsMutation,
    blocks::BlocksMutation,
    privacy::PrivacyMutation,
    routing::RoutingMutation,
    rules::RulesMutation,
    automation::AutomationMutation,
    sla::SlaMutation,
    sla::ScheduleMutation,
    webhooks::WebhookMutation,
    channels::ChannelsMutation,
    channels::SlackMutation,
    articles::ArticleMutation,
    assistant::AssistantMutation,
);

pub use subscription::SharedExecution;

#[derive(MergedSubscription, Default)]
pub struct Subscription(subscription::ConversationSubscription, subscription::InboxSubscription);

pub type ChinwagSchema = Schema<Query, Mutation, Subscription>;

/// The caller of one request or socket, if it presented a valid token.
#[derive(Clone, Default)]
pub struct Viewer(pub Option<Principal>);

/// Builds the schema. `app` is absent only for printing the SDL.
pub fn build_schema(app: Option<Arc<App>>, limits: &Limits) -> ChinwagSchema {
    let mut b = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(limits.query_depth)
        .limit_complexity(limits.query_complexity)
        .limit_recursive_depth(32)
        .limit_directives(8)
        .extension(errors::ErrorCodes);
    if let Some(app) = app {
        b = b.data(app);
    }
    b.finish()
}

/// The complexity of a paged list field: its selection counted once per row it may
/// return (`n` clamped to the largest page, `default` when absent), so 50 aliases of a
/// 200-message page cost what they would read, and are refused before anything runs.
pub(crate) fn page_cost(n: Option<i32>, default: i32, max: i32, child_complexity: usize) -> usize {
    let rows = n.unwrap_or(default).clamp(1, max) as usize;
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// The SDL exactly as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, &crate::config::Settings::defaults().limits).sdl()
}

/// Adds what every operation needs to a request: the viewer (if it presented a valid
/// token), the request's facts, and a place for its loaders (made on first use: most
/// requests, a `sendMessage` among them, never load a batch), and the document parsed
/// once per text (`documents`; the schema still checks its recursion and directives,
/// and a text that does not parse is left to the schema, for its error). Both transports
/// build requests here.
pub fn prepare(request: async_graphql::Request, viewer: Option<Principal>, meta: RequestMeta) -> async_graphql::Request {
    let doc = documents::parse(&request.query).ok();
    prepare_parsed(request, doc, viewer, meta)
}

/// `prepare` for a request whose document the caller already took from the cache.
pub fn prepare_parsed(
    request: async_graphql::Request,
    doc: Option<ExecutableDocument>,
    viewer: Option<Principal>,
    meta: RequestMeta,
) -> async_graphql::Request {
    let mut request = request.data(meta).data(loaders::LoaderCell::default()).data(budget::BudgetCell::default()).data(Viewer(viewer));
    if let Some(doc) = doc {
        let doc = match request.operation_name.as_deref() {
            Some(name) => documents::only(doc, name),
            None => doc,
        };
        request.set_parsed_query(doc);
    }
    request
}

/// Typed access to what every resolver needs.
pub trait ContextExt {
    fn app(&self) -> &Arc<App>;
    /// The request's loaders (there is one set per request with a principal).
    fn loaders(&self) -> Result<&loaders::Loaders, ApiError>;
    /// The authenticated principal, or `UNAUTHENTICATED`.
    fn viewer(&self) -> Result<&Principal, ApiError>;
    fn meta(&self) -> RequestMeta;
}

impl ContextExt for Context<'_> {
    fn app(&self) -> &Arc<App> {
        self.data::<Arc<App>>().expect("the schema is built with the app")
    }
    fn viewer(&self) -> Result<&Principal, ApiError> {
        self.data_opt::<Viewer>().and_then(|v| v.0.as_ref()).ok_or(ApiError::Unauthenticated("this operation needs a token"))
    }
    fn meta(&self) -> RequestMeta {
        self.data_opt::<RequestMeta>().cloned().unwrap_or_default()
    }
    fn loaders(&self) -> Result<&loaders::Loaders, ApiError> {
        let org_id = self.viewer()?.org_id();
        let cell = self.data_opt::<loaders::LoaderCell>().ok_or(ApiError::Unauthenticated("this operation needs a token"))?;
        Ok(cell.get_or_init(|| loaders::Loaders::new(self.app(), org_id)))
    }
}

/// Resolver result: errors carry `extensions.code`.
pub type GqlResult<T> = async_graphql::Result<T>;
