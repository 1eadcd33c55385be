//! Routing rules and conversation tags (docs/routing.md#routing-rules).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::guards::{Allow, Scope};
use super::types::{Conversation, DateTime};
use super::{ContextExt as _, GqlResult};
use crate::app::RuleInput;
use crate::domain::rules::{RuleActions, RuleCondition, RuleField, RuleOperator};
use crate::domain::Priority;
use crate::store::RuleRow;

/// One test a routing rule makes (all of a rule's conditions must hold).
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "RuleConditionInput")]
pub struct RuleConditionGql {
    pub field: RuleField,
    pub operator: RuleOperator,
    /// The pre-chat field's or attribute's key (`PRE_CHAT`, `VISITOR_ATTRIBUTE`,
    /// `SERVER_ATTRIBUTE`).
    pub key: Option<String>,
    /// For `EQUALS`, `NOT_EQUALS`, `CONTAINS`, `STARTS_WITH` (case ignored).
    pub value: Option<String>,
    /// For `IN`.
    #[graphql(default)]
    pub values: Vec<String>,
}

/// What a matching rule does to the conversation.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "RuleActionsInput")]
pub struct RuleActionsGql {
    pub department_id: Option<ID>,
    pub priority: Option<Priority>,
    /// Added to the conversation's tags.
    #[graphql(default)]
    pub tags: Vec<String>,
}

pub(super) fn condition_out(c: RuleCondition) -> RuleConditionGql {
    RuleConditionGql { field: c.field, operator: c.operator, key: c.key, value: c.value, values: c.values }
}

impl From<RuleConditionGql> for RuleCondition {
    fn from(c: RuleConditionGql) -> Self {
        RuleCondition { field: c.field, operator: c.operator, key: c.key, value: c.value, values: c.values }
    }
}

pub struct RoutingRule(pub RuleRow);

/// A routing rule: when a conversation starts, the first enabled rule (in order) whose
/// conditions all hold sets its department, priority and tags.
#[Object]
impl RoutingRule {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// 1 is evaluated first.
    async fn position(&self) -> i32 {
        self.0.position as i32
    }
    async fn conditions(&self) -> Vec<RuleConditionGql> {
        let rule = crate::app::rule_of(&self.0);
        rule.conditions.into_iter().map(condition_out).collect()
    }
    async fn actions(&self) -> RuleActionsGql {
        let a = crate::app::rule_of(&self.0).actions;
        RuleActionsGql { department_id: a.department_id.map(ID), priority: a.priority, tags: a.tags }
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

#[derive(InputObject)]
pub struct RoutingRuleInput {
    /// 1 to 100 characters; conversations it routes show "rule: <name>" to agents.
    pub name: String,
    #[graphql(default = true)]
    pub enabled: bool,
    /// At most 10; none: every conversation matches.
    pub conditions: Vec<RuleConditionGql>,
    pub actions: RuleActionsGql,
}

impl From<RoutingRuleInput> for RuleInput {
    fn from(i: RoutingRuleInput) -> Self {
        RuleInput {
            name: i.name,
            enabled: i.enabled,
            conditions: i.conditions.into_iter().map(RuleCondition::from).collect(),
            actions: RuleActions { department_id: i.actions.department_id.map(|d| d.0), priority: i.actions.priority, tags: i.actions.tags },
        }
    }
}

#[derive(Default)]
pub struct RulesQuery;

#[Object]
impl RulesQuery {
    /// The organization's routing rules, in the order they are evaluated.
    #[graphql(guard = "Allow::Agents")]
    async fn routing_rules(&self, ctx: &Context<'_>) -> GqlResult<Vec<RoutingRule>> {
        Ok(ctx.app().routing_rules(ctx.viewer()?).await?.into_iter().map(RoutingRule).collect())
    }
}

#[derive(Default)]
pub struct RulesMutation;

#[Object]
impl RulesMutation {
    /// Adds a rule after the others (at most 50 per organization).
    #[graphql(guard = "Allow::Admins")]
    async fn create_routing_rule(&self, ctx: &Context<'_>, input: RoutingRuleInput) -> GqlResult<RoutingRule> {
        Ok(RoutingRule(ctx.app().create_routing_rule(ctx.viewer()?, input.into()).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn update_routing_rule(&self, ctx: &Context<'_>, id: ID, input: RoutingRuleInput) -> GqlResult<RoutingRule> {
        Ok(RoutingRule(ctx.app().update_routing_rule(ctx.viewer()?, &id, input.into()).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn delete_routing_rule(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_routing_rule(ctx.viewer()?, &id).await?;
        Ok(true)
    }

    /// Sets the evaluation order: every rule's id, once, first to last.
    #[graphql(guard = "Allow::Admins")]
    async fn order_routing_rules(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<Vec<RoutingRule>> {
        let ids: Vec<String> = ids.into_iter().map(|i| i.0).collect();
        Ok(ctx.app().order_routing_rules(ctx.viewer()?, &ids).await?.into_iter().map(RoutingRule).collect())
    }

    /// Replaces the conversation's tags (at most 10; 1 to 40 characters each, stored
    /// lowercased).
    #[graphql(guard = "Allow::Staff(Scope::ConversationsWrite)")]
    async fn set_conversation_tags(&self, ctx: &Context<'_>, conversation_id: ID, tags: Vec<String>) -> GqlResult<Conversation> {
        Ok(Conversation(ctx.app().set_conversation_tags(ctx.viewer()?, &conversation_id, &tags).await?))
    }
}
