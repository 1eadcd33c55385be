//! The answer bot's settings, its preview on past questions, and its record of answers.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};

use super::guards::{Allow, Scope};
use super::types::DateTime;
use super::{ContextExt as _, GqlResult};
use crate::app::assistant::{AssistantPatch, SuggestionKind};
use crate::store::{AssistantRow, BotAnswerRow};

/// When the answer bot steps in.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum AnswerBotMode {
    /// On every chat no person has taken yet, before the team.
    Always,
    /// Only outside the website's business hours or while no agent is online.
    Away,
}

impl AnswerBotMode {
    fn of(s: &str) -> Self {
        if s == "away" {
            AnswerBotMode::Away
        } else {
            AnswerBotMode::Always
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            AnswerBotMode::Always => "always",
            AnswerBotMode::Away => "away",
        }
    }
}

/// A website's answer bot (docs/assistant.md#the-answer-bot).
pub struct AssistantSettings(pub AssistantRow);

#[Object]
impl AssistantSettings {
    async fn website_id(&self) -> ID {
        ID(self.0.website_id.clone())
    }
    /// Whether the bot answers visitors (off by default).
    async fn answer_bot(&self) -> bool {
        self.0.answer_bot
    }
    async fn mode(&self) -> AnswerBotMode {
        AnswerBotMode::of(&self.0.mode)
    }
    /// The name visitors see on its messages.
    async fn bot_name(&self) -> &str {
        &self.0.bot_name
    }
    /// The share of a question (0.1 to 1) the best article must cover for the bot to
    /// answer; below it the bot stays silent.
    async fn threshold(&self) -> f64 {
        self.0.threshold
    }
    async fn updated_at(&self) -> Option<DateTime> {
        (self.0.updated_at > 0).then_some(DateTime(self.0.updated_at))
    }
}

#[derive(InputObject, Default)]
pub struct AssistantSettingsInput {
    pub answer_bot: Option<bool>,
    pub mode: Option<AnswerBotMode>,
    /// 1 to 60 characters.
    pub bot_name: Option<String>,
    /// 0.1 to 1.
    pub threshold: Option<f64>,
}

/// What the bot would do with one past question.
#[derive(SimpleObject)]
pub struct AnswerBotPreviewItem {
    pub conversation_id: ID,
    pub question: String,
    /// The best-matching published article, if any matched.
    pub article_id: Option<ID>,
    pub article_title: Option<String>,
    /// The share of the question that article covers (0 to 1).
    pub coverage: f64,
    /// Whether the bot would answer with it.
    pub answers: bool,
}

/// What the visitor made of an answer.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum BotAnswerOutcome {
    /// The visitor said it helped; the chat was resolved.
    Helped,
    /// The visitor asked for a person.
    Handover,
}

/// One answer of the bot, with the articles it used.
pub struct BotAnswer(pub BotAnswerRow);

#[Object]
impl BotAnswer {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The visitor's message it answered.
    async fn question_message_id(&self) -> ID {
        ID(self.0.question_message_id.clone())
    }
    /// The bot's message.
    async fn answer_message_id(&self) -> ID {
        ID(self.0.answer_message_id.clone())
    }
    /// The articles it answered from, best first.
    async fn article_ids(&self) -> Vec<ID> {
        serde_json::from_str::<Vec<String>>(&self.0.article_ids).unwrap_or_default().into_iter().map(ID).collect()
    }
    /// The best article's coverage of the question.
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Null until the visitor says it helped or asks for a person.
    async fn outcome(&self) -> Option<BotAnswerOutcome> {
        match self.0.outcome.as_deref() {
            Some("helped") => Some(BotAnswerOutcome::Helped),
            Some("handover") => Some(BotAnswerOutcome::Handover),
            _ => None,
        }
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(Default)]
pub struct AssistantQuery;

#[Object]
impl AssistantQuery {
    /// A website's answer bot settings.
    #[graphql(guard = "Allow::Managers(Scope::WebsitesRead)")]
    async fn assistant_settings(&self, ctx: &Context<'_>, website_id: ID) -> GqlResult<AssistantSettings> {
        Ok(AssistantSettings(ctx.app().assistant_settings(ctx.viewer()?, &website_id).await?))
    }

    /// What the bot would answer to the website's last `first` (at most 100) first
    /// questions, at `threshold` (the website's when absent). Owners and admins; nothing
    /// is sent; 10 previews a minute per organization.
    #[graphql(guard = "Allow::Admins")]
    async fn answer_bot_preview(
        &self,
        ctx: &Context<'_>,
        website_id: ID,
        threshold: Option<f64>,
        #[graphql(default = 50)] first: i32,
    ) -> GqlResult<Vec<AnswerBotPreviewItem>> {
        let items = ctx.app().answer_bot_preview(ctx.viewer()?, &website_id, threshold, first as i64).await?;
        crate::graphql::budget::charge(ctx, items.len(), items.iter().map(|i| i.question.len() + crate::graphql::budget::ROW_OVERHEAD).sum())?;
        Ok(items
            .into_iter()
            .map(|i| AnswerBotPreviewItem {
                conversation_id: ID(i.conversation_id),
                question: i.question,
                coverage: i.best.as_ref().map_or(0.0, |b| b.coverage),
                article_id: i.best.as_ref().map(|b| ID(b.article_id.clone())),
                article_title: i.best.map(|b| b.title),
                answers: i.answers,
            })
            .collect())
    }

    /// Replies an agent could send to the visitor's latest message, best first (at most
    /// `first`, 1 to 10): canned responses, published articles and the team's past
    /// replies to similar questions (docs/assistant.md#reply-suggestions).
    #[graphql(guard = "Allow::Staff(Scope::ConversationsRead)")]
    async fn reply_suggestions(&self, ctx: &Context<'_>, conversation_id: ID, #[graphql(default = 3)] first: i32) -> GqlResult<Vec<ReplySuggestion>> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        let list = ctx.app().reply_suggestions(ctx.viewer()?, &conversation_id, first.clamp(1, 10) as usize).await?;
        crate::graphql::budget::charge(ctx, list.len(), list.iter().map(|s| s.text.len() + s.title.len() + crate::graphql::budget::ROW_OVERHEAD).sum())?;
        Ok(list
            .into_iter()
            .map(|s| ReplySuggestion {
                kind: match s.kind {
                    SuggestionKind::Canned => ReplySuggestionKind::Canned,
                    SuggestionKind::Article => ReplySuggestionKind::Article,
                    SuggestionKind::PastReply => ReplySuggestionKind::PastReply,
                },
                title: s.title,
                text: s.text,
                source_id: ID(s.source_id),
                score: s.score,
            })
            .collect())
    }

    /// A summary of the conversation for the agent taking it over (on a transfer, say):
    /// who the visitor is, what they asked, what the bot and the team did, what is still
    /// open, the details they gave and their mood. Written by the model server when one
    /// is configured, otherwise drawn from the messages
    /// (docs/assistant.md#conversation-summary). 30 a minute per agent.
    #[graphql(guard = "Allow::Staff(Scope::ConversationsRead)")]
    async fn conversation_summary(&self, ctx: &Context<'_>, conversation_id: ID) -> GqlResult<ConversationSummary> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD * 4)?;
        let s = ctx.app().conversation_summary(ctx.viewer()?, &conversation_id).await?;
        Ok(ConversationSummary { text: s.text, generated: s.generated })
    }

    /// The bot's answers in a conversation, oldest first, with the articles each used.
    #[graphql(guard = "Allow::Staff(Scope::ConversationsRead)")]
    async fn bot_answers(&self, ctx: &Context<'_>, conversation_id: ID) -> GqlResult<Vec<BotAnswer>> {
        crate::graphql::budget::charge(ctx, 1, crate::graphql::budget::ROW_OVERHEAD)?;
        let rows = ctx.app().bot_answers(ctx.viewer()?, &conversation_id).await?;
        crate::graphql::budget::charge(ctx, rows.len(), rows.len() * crate::graphql::budget::ROW_OVERHEAD)?;
        Ok(rows.into_iter().map(BotAnswer).collect())
    }
}

/// Where a reply suggestion comes from.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ReplySuggestionKind {
    /// One of the organization's canned responses.
    Canned,
    /// A published article (its passage and link).
    Article,
    /// What the team replied to a similar question in a resolved conversation.
    PastReply,
}

/// A conversation's summary for the agent taking it over.
#[derive(SimpleObject)]
pub struct ConversationSummary {
    /// A few lines of plain text.
    pub text: String,
    /// Whether the model server wrote it (otherwise it is drawn from the messages).
    pub generated: bool,
}

/// A reply an agent could send to the visitor's latest question.
#[derive(SimpleObject)]
pub struct ReplySuggestion {
    pub kind: ReplySuggestionKind,
    /// The canned response's or article's title, or the similar past question.
    pub title: String,
    /// The text to insert.
    pub text: String,
    /// The canned response, article or past message it comes from.
    pub source_id: ID,
    /// Relevance, comparable within one list.
    pub score: f64,
}

#[derive(Default)]
pub struct AssistantMutation;

#[Object]
impl AssistantMutation {
    /// Switches the answer bot on or off and tunes it. Owners and admins; audited.
    #[graphql(guard = "Allow::Managers(Scope::WebsitesManage)")]
    async fn update_assistant_settings(&self, ctx: &Context<'_>, website_id: ID, input: AssistantSettingsInput) -> GqlResult<AssistantSettings> {
        let patch = AssistantPatch {
            answer_bot: input.answer_bot,
            mode: input.mode.map(|m| m.as_str().to_owned()),
            bot_name: input.bot_name,
            threshold: input.threshold,
        };
        Ok(AssistantSettings(ctx.app().update_assistant_settings(ctx.viewer()?, &website_id, patch).await?))
    }
}
