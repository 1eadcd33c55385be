//! Channels beyond the widget: email replies held for an agent (docs/email.md) and the
//! Slack workspace (docs/slack.md).

use async_graphql::{Context, Enum, InputObject, Object, ID};

use super::guards::{Allow, Scope};
use super::types::DateTime;
use super::types::Message;
use super::{ContextExt as _, GqlResult};
use crate::app::email_in::HoldReason;
use crate::app::slack::{SlackInput, SlackMode};
use crate::store::{HeldEmailRow, SlackRow};

/// Why an email reply was held instead of posted.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "HeldEmailReason")]
pub enum HeldEmailReason {
    /// `From` is not the visitor's (confirmed) address.
    SenderMismatch,
    /// The receiving MTA reported `dmarc=fail` for the sender's domain.
    DmarcFail,
}

pub struct HeldEmail(pub HeldEmailRow);

/// An email reply to a conversation that waits for an agent: release it to post it as the
/// visitor's message (with its attachments), or discard it.
#[Object]
impl HeldEmail {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn conversation_id(&self) -> ID {
        ID(self.0.conversation_id.clone())
    }
    /// The `From` address, as the email claims it.
    async fn from_address(&self) -> &str {
        &self.0.from_address
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The text above the quoted conversation.
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn reason(&self) -> HeldEmailReason {
        match HoldReason::from_db(&self.0.reason) {
            HoldReason::SenderMismatch => HeldEmailReason::SenderMismatch,
            HoldReason::DmarcFail => HeldEmailReason::DmarcFail,
        }
    }
    async fn received_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(Default)]
pub struct ChannelsQuery;

#[Object]
impl ChannelsQuery {
    /// The conversation's email replies held for an agent, oldest first.
    #[graphql(guard = "Allow::Staff(Scope::ConversationsRead)")]
    async fn held_emails(&self, ctx: &Context<'_>, conversation_id: ID) -> GqlResult<Vec<HeldEmail>> {
        Ok(ctx.app().held_emails(ctx.viewer()?, &conversation_id).await?.into_iter().map(HeldEmail).collect())
    }
}

#[derive(Default)]
pub struct ChannelsMutation;

#[Object]
impl ChannelsMutation {
    /// Posts a held email reply as the visitor's message; returns it.
    #[graphql(guard = "Allow::Agents")]
    async fn release_held_email(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Message> {
        Ok(Message(ctx.app().release_held_email(ctx.viewer()?, &id).await?))
    }

    /// Deletes a held email reply without posting it. `true` either way.
    #[graphql(guard = "Allow::Agents")]
    async fn discard_held_email(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().discard_held_email(ctx.viewer()?, &id).await?;
        Ok(true)
    }
}

/// What the Slack connection does.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "SlackMode")]
pub enum SlackModeGql {
    /// Each new conversation is a thread in the channel, mirrored both ways: replies in
    /// the thread reach the visitor.
    Threads,
    /// New conversations are announced in the channel; nothing is read back.
    AlertsOnly,
}

impl From<SlackModeGql> for SlackMode {
    fn from(m: SlackModeGql) -> SlackMode {
        match m {
            SlackModeGql::Threads => SlackMode::Threads,
            SlackModeGql::AlertsOnly => SlackMode::Alerts,
        }
    }
}

pub struct SlackIntegration(pub SlackRow, pub String);

/// The organization's Slack workspace and channel (docs/slack.md). The bot token and
/// signing secret are never shown again.
#[Object]
impl SlackIntegration {
    async fn team_id(&self) -> &str {
        &self.0.team_id
    }
    async fn team_name(&self) -> &str {
        &self.0.team_name
    }
    async fn channel_id(&self) -> &str {
        &self.0.channel_id
    }
    async fn mode(&self) -> SlackModeGql {
        match SlackMode::from_db(&self.0.mode) {
            SlackMode::Threads => SlackModeGql::Threads,
            SlackMode::Alerts => SlackModeGql::AlertsOnly,
        }
    }
    /// The Slack app's Events API request URL.
    async fn events_url(&self) -> String {
        format!("{}/events", self.1)
    }
    /// The Slack app's interactivity request URL.
    async fn interactions_url(&self) -> String {
        format!("{}/interactions", self.1)
    }
    /// The request URL of the app's `/chinwag` command.
    async fn commands_url(&self) -> String {
        format!("{}/commands", self.1)
    }
    async fn connected_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// Connects (or changes) the Slack workspace: the app's bot token and signing secret
/// (docs/slack.md has the manifest to create it from), and the channel it posts to.
#[derive(InputObject)]
pub struct ConnectSlackInput {
    /// `xoxb-...`; omit to keep the stored one.
    pub bot_token: Option<String>,
    /// The app's signing secret; omit to keep the stored one.
    pub signing_secret: Option<String>,
    /// The channel's id (`C0123ABCD`); the app must be in it.
    pub channel_id: Option<String>,
    pub mode: Option<SlackModeGql>,
}

#[derive(Default)]
pub struct SlackQuery;

#[Object]
impl SlackQuery {
    /// The Slack connection, if any (owners and admins).
    #[graphql(guard = "Allow::Admins")]
    async fn slack_integration(&self, ctx: &Context<'_>) -> GqlResult<Option<SlackIntegration>> {
        let app = ctx.app();
        let base = slack_base(app, ctx.viewer()?.org_id());
        Ok(app.slack_integration(ctx.viewer()?).await?.map(|s| SlackIntegration(s, base)))
    }

    /// The request URLs a Slack app for this organization uses, and a manifest to create
    /// it from (paste it into "Create an app › From a manifest").
    #[graphql(guard = "Allow::Admins")]
    async fn slack_app_manifest(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let app = ctx.app();
        Ok(crate::app::slack::manifest(&slack_base(app, ctx.viewer()?.org_id())))
    }
}

fn slack_base(app: &crate::app::App, org_id: &str) -> String {
    app.mailer.link(&format!("/integrations/slack/{org_id}"))
}

#[derive(Default)]
pub struct SlackMutation;

#[Object]
impl SlackMutation {
    /// Connects Slack, or changes its channel, mode or credentials: the token is checked
    /// with Slack and a hello is posted to the channel.
    #[graphql(guard = "Allow::Admins")]
    async fn connect_slack(&self, ctx: &Context<'_>, input: ConnectSlackInput) -> GqlResult<SlackIntegration> {
        let app = ctx.app();
        let p = ctx.viewer()?;
        let input =
            SlackInput { bot_token: input.bot_token, signing_secret: input.signing_secret, channel_id: input.channel_id, mode: input.mode.map(Into::into) };
        let s = app.connect_slack(p, input).await?;
        Ok(SlackIntegration(s, slack_base(app, p.org_id())))
    }

    /// Disconnects Slack; `true` if it was connected.
    #[graphql(guard = "Allow::Admins")]
    async fn disconnect_slack(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(ctx.app().disconnect_slack(ctx.viewer()?).await?)
    }
}
