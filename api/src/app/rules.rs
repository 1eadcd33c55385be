//! Routing rules and tags (docs/routing.md): owners and admins keep an ordered list of
//! rules; when a conversation starts, the first enabled rule whose conditions hold sets
//! its department, priority and tags, and the conversation records which rule it was.

use std::collections::BTreeMap;

use super::{App, ConversationRow};
use crate::auth::Principal;
use crate::domain::rules::{self, Facts, Rule, RuleActions, RuleCondition, MAX_CONDITIONS, MAX_RULES};
use crate::error::{ApiError, ApiResult};
use crate::store::{RuleRow, RuleWrite, VisitorRow};

/// A rule as an owner writes it.
pub struct RuleInput {
    pub name: String,
    pub enabled: bool,
    pub conditions: Vec<RuleCondition>,
    pub actions: RuleActions,
}

/// `ids` names each of `current` exactly once (an order to set), else `BAD_USER_INPUT`.
pub(super) fn same_ids(ids: &[String], current: &[String], what: &str) -> ApiResult<()> {
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut have: Vec<&str> = current.iter().map(String::as_str).collect();
    want.sort_unstable();
    have.sort_unstable();
    if want != have {
        return Err(ApiError::BadInput(format!("list every {what} exactly once")));
    }
    Ok(())
}

/// A stored rule, read back.
pub fn rule_of(row: &RuleRow) -> Rule {
    Rule {
        id: row.id.clone(),
        name: row.name.clone(),
        conditions: serde_json::from_str(&row.conditions).unwrap_or_default(),
        actions: serde_json::from_str(&row.actions).unwrap_or_default(),
    }
}

impl App {
    pub async fn routing_rules(&self, p: &Principal) -> ApiResult<Vec<RuleRow>> {
        let (org_id, _, _) = super::staff(p)?;
        Ok(self.store.routing_rules(org_id).await?)
    }

    /// Checks a rule: its name, its conditions' shapes, and that its department is the
    /// organization's. Returns (conditions, actions) as JSON.
    async fn checked_rule(&self, org_id: &str, r: RuleInput) -> ApiResult<(String, String, String)> {
        let name = r.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::BadInput("a rule's name must be 1 to 100 characters".into()));
        }
        if r.conditions.len() > MAX_CONDITIONS {
            return Err(ApiError::BadInput(format!("at most {MAX_CONDITIONS} conditions per rule")));
        }
        let conditions = r.conditions.into_iter().map(RuleCondition::check).collect::<Result<Vec<_>, _>>()?;
        if conditions.iter().any(|c| c.field == rules::RuleField::Sentiment) {
            return Err(ApiError::BadInput("SENTIMENT is for automations on a visitor's message: routing rules run before the first message".into()));
        }
        let mut actions = r.actions;
        actions.tags = rules::tags(&actions.tags)?;
        if let Some(d) = &actions.department_id {
            self.store.department(org_id, d).await.map_err(|e| super::not_found(e, "department"))?;
        }
        if actions.department_id.is_none() && actions.priority.is_none() && actions.tags.is_empty() {
            return Err(ApiError::BadInput("a rule needs an action: a department, a priority or tags".into()));
        }
        let conditions = serde_json::to_string(&conditions).expect("conditions serialize");
        let actions = serde_json::to_string(&actions).expect("actions serialize");
        Ok((name, conditions, actions))
    }

    /// A rule as written, checked, as the router would read it (a dry run's).
    pub(super) async fn checked_rule_of(&self, org_id: &str, r: RuleInput) -> ApiResult<Rule> {
        let (name, conditions, actions) = self.checked_rule(org_id, r).await?;
        Ok(Rule {
            id: String::new(),
            name,
            conditions: serde_json::from_str(&conditions).unwrap_or_default(),
            actions: serde_json::from_str(&actions).unwrap_or_default(),
        })
    }

    pub async fn create_routing_rule(&self, p: &Principal, r: RuleInput) -> ApiResult<RuleRow> {
        let a = super::admin(p)?;
        let enabled = r.enabled;
        let (name, conditions, actions) = self.checked_rule(&a.org_id, r).await?;
        let w = RuleWrite { name: &name, enabled, conditions: &conditions, actions: &actions };
        let row = self
            .store
            .create_routing_rule(&a.org_id, &w, MAX_RULES as i64)
            .await?
            .ok_or(ApiError::PlanLimit("an organization keeps at most 50 routing rules"))?;
        self.audit(p, "routing_rule.create", Some(&row.id)).await?;
        Ok(row)
    }

    pub async fn update_routing_rule(&self, p: &Principal, id: &str, r: RuleInput) -> ApiResult<RuleRow> {
        let a = super::admin(p)?;
        let enabled = r.enabled;
        let (name, conditions, actions) = self.checked_rule(&a.org_id, r).await?;
        let w = RuleWrite { name: &name, enabled, conditions: &conditions, actions: &actions };
        let row = self.store.update_routing_rule(&a.org_id, id, &w).await.map_err(|e| super::not_found(e, "routing rule"))?;
        self.audit(p, "routing_rule.update", Some(id)).await?;
        Ok(row)
    }

    pub async fn delete_routing_rule(&self, p: &Principal, id: &str) -> ApiResult<()> {
        let a = super::admin(p)?;
        self.store.delete_routing_rule(&a.org_id, id).await.map_err(|e| super::not_found(e, "routing rule"))?;
        // The rest keep their order, numbered 1.. again (no gap where this one was).
        let rest: Vec<String> = self.store.routing_rules(&a.org_id).await?.into_iter().map(|r| r.id).collect();
        self.store.order_routing_rules(&a.org_id, &rest).await?;
        self.audit(p, "routing_rule.delete", Some(id)).await?;
        Ok(())
    }

    /// `ids`: every rule of the organization, once each, first to last.
    pub async fn order_routing_rules(&self, p: &Principal, ids: &[String]) -> ApiResult<Vec<RuleRow>> {
        let a = super::admin(p)?;
        let current: Vec<String> = self.store.routing_rules(&a.org_id).await?.into_iter().map(|r| r.id).collect();
        same_ids(ids, &current, "routing rule")?;
        self.store.order_routing_rules(&a.org_id, ids).await?;
        self.audit(p, "routing_rule.order", None).await?;
        Ok(self.store.routing_rules(&a.org_id).await?)
    }

    /// What `rules` (the organization's enabled ones) say about a conversation starting
    /// now for `visitor`: the first that matches.
    pub(super) async fn matching_rule(
        &self,
        rules: &[Rule],
        visitor: &VisitorRow,
        department_id: Option<&str>,
        message: Option<&str>,
    ) -> ApiResult<Option<Rule>> {
        let open_now = if rules::needs_hours(rules) {
            let site = self.store.website(&visitor.org_id, &visitor.website_id).await?;
            Some(self.website_open_now(&site).await?)
        } else {
            None
        };
        let browser: BTreeMap<String, String> = visitor.attribute_pairs().into_iter().collect();
        let server: BTreeMap<String, String> = visitor.server_attribute_pairs().into_iter().collect();
        let facts = Facts {
            website_id: &visitor.website_id,
            page_url: visitor.current_url.as_deref(),
            identified: visitor.external_id.is_some(),
            visitor_attributes: &browser,
            server_attributes: &server,
            open_now,
            language: visitor.language.as_deref(),
            department_id,
            sentiment: message.map(sentiment_value),
        };
        Ok(rules::first_match(rules, &facts).cloned())
    }

    /// Applies the matching rule, if any, to a conversation that just started, or
    /// (`transfer`) that an agent just put back in line, maybe in a department: then
    /// the rule's priority and tags apply, and its department only when the transfer
    /// named none (the agent's choice stands).
    pub(super) async fn apply_routing_rules(&self, conv: ConversationRow, transfer: bool) -> ApiResult<ConversationRow> {
        // Most organizations have no rules: one read, and the visitor is not read at all.
        let rules: Vec<Rule> = self.store.routing_rules(&conv.org_id).await?.iter().filter(|r| r.enabled).map(rule_of).collect();
        if rules.is_empty() {
            return Ok(conv);
        }
        let visitor = self.store.visitor(&conv.org_id, &conv.visitor_id).await?;
        let Some(rule) = self.matching_rule(&rules, &visitor, conv.department_id.as_deref(), None).await? else { return Ok(conv) };
        let a = &rule.actions;
        let routed_by = if transfer { format!("transferred; rule: {}", rule.name) } else { format!("rule: {}", rule.name) };
        // A department deleted since the rule was written is skipped (`set null` on delete
        // would otherwise leave a dangling id).
        let department = match &a.department_id {
            Some(_) if transfer && conv.department_id.is_some() => None,
            Some(d) => self.store.department(&conv.org_id, d).await.ok().map(|d| d.id),
            None => None,
        };
        Ok(self.store.route_by_rule(&conv.org_id, &conv.id, department.as_deref(), a.priority.map(|p| p.rank()), Some(&routed_by), &a.tags).await?)
    }

    pub async fn conversation_tags(&self, conversation_id: &str) -> ApiResult<Vec<String>> {
        Ok(self.store.conversation_tags(conversation_id).await?)
    }

    pub async fn set_conversation_tags(&self, p: &Principal, conversation_id: &str, tags: &[String]) -> ApiResult<ConversationRow> {
        let (org_id, _, _) = super::staff(p)?;
        let tags = rules::tags(tags)?;
        let conv = self.visible_conversation(p, conversation_id).await?;
        self.store.set_conversation_tags(org_id, &conv.id, &tags).await?;
        let row = self.store.conversation(org_id, &conv.id).await?;
        self.publish_conversation(&row);
        Ok(row)
    }
}

/// A message's value for the `SENTIMENT` condition: `angry`, else its label.
pub(super) fn sentiment_value(body: &str) -> &'static str {
    let s = crate::domain::signals::sentiment_of(body);
    if s.angry {
        "angry"
    } else {
        s.label()
    }
}
