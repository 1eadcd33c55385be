//! Routing rules: conditions on what is known when a conversation starts, and what to
//! do with it (route to a department, set a priority, add tags). Rules are evaluated in
//! the order the organization set; the first that matches decides. Pure: the store
//! keeps rules as JSON and the app gathers the facts.
//!
//! Attributes come in two kinds and rules keep them apart: `VISITOR_ATTRIBUTE` (and
//! `PRE_CHAT`) read what the visitor's browser sent, which the visitor controls;
//! `SERVER_ATTRIBUTE` reads only what the site's server set (`setVisitorAttributes`
//! with an API key, or identity-verified data), so a visitor cannot route themselves
//! ahead by claiming `plan=enterprise`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Priority, ValidationError};

/// The most rules an organization keeps, conditions per rule, tags per action and
/// values per `IN`.
pub const MAX_RULES: usize = 50;
pub const MAX_CONDITIONS: usize = 10;
pub const MAX_TAGS: usize = 10;
pub const MAX_VALUES: usize = 20;

/// What a condition looks at.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleField {
    /// The website's id.
    Website,
    /// The address of the page the visitor is on.
    PageUrl,
    /// A pre-chat answer, by the field's key (what the visitor typed or picked).
    PreChat,
    /// An attribute the visitor's browser set (`identify`'s attributes), by key.
    VisitorAttribute,
    /// An attribute the site's server set, by key: the visitor cannot change it.
    ServerAttribute,
    /// Whether the visitor is identified (identity verification): `IS_TRUE`/`IS_FALSE`.
    Identified,
    /// Whether the website is within its business hours now: `IS_TRUE`/`IS_FALSE`.
    BusinessHours,
    /// The visitor's language: their browser's first choice, lowercased (`fr-ca`), so
    /// `STARTS_WITH "fr"` matches every French.
    Language,
    /// The conversation's department (its id): none when it starts, the department it
    /// was transferred to when rules run again on a transfer.
    Department,
    /// For automations on a visitor's message: how it feels, `angry`, `negative`,
    /// `neutral` or `positive` (an angry message is `angry`, so "negative or angry" is
    /// `IN [negative, angry]`). Routing rules run before the first message, so they
    /// refuse it.
    Sentiment,
}

/// How a condition compares. Text comparisons ignore case.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleOperator {
    Equals,
    NotEquals,
    Contains,
    StartsWith,
    /// Equals one of `values`.
    In,
    /// Has any value.
    IsSet,
    IsTrue,
    IsFalse,
    /// A number at least `value` (triggers' `TIME_ON_PAGE` and `PAGES_VIEWED` only).
    AtLeast,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleCondition {
    pub field: RuleField,
    pub operator: RuleOperator,
    /// The attribute or pre-chat key, for the fields that have keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// What a matching rule does; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleActions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// What is known about a conversation as it starts.
#[derive(Debug)]
pub struct Facts<'a> {
    pub website_id: &'a str,
    pub page_url: Option<&'a str>,
    pub identified: bool,
    /// What the browser set, pre-chat answers included.
    pub visitor_attributes: &'a BTreeMap<String, String>,
    pub server_attributes: &'a BTreeMap<String, String>,
    /// `None` when no rule asks (the hours are read only when needed).
    pub open_now: Option<bool>,
    pub language: Option<&'a str>,
    pub department_id: Option<&'a str>,
    /// The sentiment of the message an automation runs on (`Sentiment`'s values).
    pub sentiment: Option<&'a str>,
}

fn invalid(msg: impl Into<String>) -> ValidationError {
    ValidationError(msg.into())
}

/// A tag: 1 to 40 characters of letters, digits, spaces, `-` or `_`, stored lowercased
/// and trimmed.
pub fn tag(raw: &str) -> Result<String, ValidationError> {
    let t = raw.trim().to_lowercase();
    let ok = (1..=40).contains(&t.chars().count()) && t.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == ' ');
    if !ok {
        return Err(invalid(format!("'{raw}' is not a tag: 1 to 40 letters, digits, spaces, '-' or '_'")));
    }
    Ok(t)
}

/// Tags, each checked, without repeats, at most `MAX_TAGS`.
pub fn tags(raw: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for r in raw {
        let t = tag(r)?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(invalid(format!("at most {MAX_TAGS} tags")));
    }
    Ok(out)
}

impl RuleField {
    fn keyed(self) -> bool {
        matches!(self, RuleField::PreChat | RuleField::VisitorAttribute | RuleField::ServerAttribute)
    }
    fn boolean(self) -> bool {
        matches!(self, RuleField::Identified | RuleField::BusinessHours)
    }
}

impl RuleCondition {
    /// Checks the condition's shape: a key where the field has keys, a value (or
    /// values) where the operator compares, bounded lengths.
    pub fn check(mut self) -> Result<RuleCondition, ValidationError> {
        let op = self.operator;
        if op == RuleOperator::AtLeast {
            return Err(invalid("AT_LEAST is for triggers' TIME_ON_PAGE and PAGES_VIEWED"));
        }
        if self.field.boolean() != matches!(op, RuleOperator::IsTrue | RuleOperator::IsFalse) {
            return Err(invalid(match self.field.boolean() {
                true => "IDENTIFIED and BUSINESS_HOURS take IS_TRUE or IS_FALSE",
                false => "IS_TRUE and IS_FALSE are for IDENTIFIED and BUSINESS_HOURS",
            }));
        }
        self.key = match (self.field.keyed(), self.key.as_deref().map(str::trim)) {
            (true, Some(k)) if (1..=40).contains(&k.len()) && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => Some(k.to_owned()),
            (true, _) => return Err(invalid("PRE_CHAT, VISITOR_ATTRIBUTE and SERVER_ATTRIBUTE need a key: 1 to 40 letters, digits, '-' or '_'")),
            (false, _) => None,
        };
        let needs_value = matches!(op, RuleOperator::Equals | RuleOperator::NotEquals | RuleOperator::Contains | RuleOperator::StartsWith);
        match (needs_value, self.value.as_deref()) {
            (true, Some(v)) if !v.is_empty() && v.chars().count() <= 500 => {}
            (true, _) => return Err(invalid("EQUALS, NOT_EQUALS, CONTAINS and STARTS_WITH need a value of 1 to 500 characters")),
            (false, _) => self.value = None,
        }
        if op == RuleOperator::In {
            if self.values.is_empty() || self.values.len() > MAX_VALUES || self.values.iter().any(|v| v.is_empty() || v.chars().count() > 500) {
                return Err(invalid(format!("IN needs 1 to {MAX_VALUES} values of 1 to 500 characters")));
            }
        } else {
            self.values.clear();
        }
        Ok(self)
    }

    pub(crate) fn matches(&self, f: &Facts) -> bool {
        let text: Option<&str> = match self.field {
            RuleField::Website => Some(f.website_id),
            RuleField::PageUrl => f.page_url,
            RuleField::Language => f.language,
            RuleField::Department => f.department_id,
            RuleField::Sentiment => f.sentiment,
            RuleField::PreChat | RuleField::VisitorAttribute => self.key.as_deref().and_then(|k| f.visitor_attributes.get(k)).map(String::as_str),
            RuleField::ServerAttribute => self.key.as_deref().and_then(|k| f.server_attributes.get(k)).map(String::as_str),
            RuleField::Identified => return (self.operator == RuleOperator::IsTrue) == f.identified,
            RuleField::BusinessHours => return f.open_now.is_some_and(|open| (self.operator == RuleOperator::IsTrue) == open),
        };
        compare_text(self.operator, self.value.as_deref(), &self.values, text)
    }
}

/// A text comparison of a condition (case ignored): what `text` (absent: `None`) makes
/// of `operator` with `value` or `values`. Shared by rules, triggers and automations.
pub(crate) fn compare_text(operator: RuleOperator, value: Option<&str>, values: &[String], text: Option<&str>) -> bool {
    let fold = |s: &str| s.to_lowercase();
    let value = value.map(fold).unwrap_or_default();
    match (operator, text) {
        (RuleOperator::IsSet, t) => t.is_some_and(|t| !t.is_empty()),
        (RuleOperator::NotEquals, None) => true,
        (_, None) => false,
        (RuleOperator::Equals, Some(t)) => fold(t) == value,
        (RuleOperator::NotEquals, Some(t)) => fold(t) != value,
        (RuleOperator::Contains, Some(t)) => fold(t).contains(&value),
        (RuleOperator::StartsWith, Some(t)) => fold(t).starts_with(&value),
        (RuleOperator::In, Some(t)) => values.iter().any(|v| fold(v) == fold(t)),
        (RuleOperator::IsTrue | RuleOperator::IsFalse | RuleOperator::AtLeast, Some(_)) => false,
    }
}

/// A rule as the router reads it.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub conditions: Vec<RuleCondition>,
    pub actions: RuleActions,
}

impl Rule {
    /// Every condition holds (a rule without conditions matches every conversation).
    pub fn matches(&self, f: &Facts) -> bool {
        self.conditions.iter().all(|c| c.matches(f))
    }
}

/// Whether any of the rules reads business hours (then the app looks them up).
pub fn needs_hours(rules: &[Rule]) -> bool {
    rules.iter().any(|r| r.conditions.iter().any(|c| c.field == RuleField::BusinessHours))
}

/// The first rule, in order, that matches.
pub fn first_match<'r>(rules: &'r [Rule], f: &Facts) -> Option<&'r Rule> {
    rules.iter().find(|r| r.matches(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(field: RuleField, operator: RuleOperator, key: Option<&str>, value: Option<&str>) -> RuleCondition {
        RuleCondition { field, operator, key: key.map(Into::into), value: value.map(Into::into), values: Vec::new() }.check().unwrap()
    }
    fn rule(id: &str, conditions: Vec<RuleCondition>) -> Rule {
        Rule { id: id.into(), name: id.into(), conditions, actions: RuleActions::default() }
    }

    #[test]
    fn the_first_matching_rule_decides_and_browser_claims_do_not_pass_for_server_facts() {
        let browser: BTreeMap<String, String> = [("plan".to_owned(), "Enterprise".to_owned()), ("topic".to_owned(), "Sales".to_owned())].into();
        let server: BTreeMap<String, String> = [("plan".to_owned(), "free".to_owned())].into();
        let f = Facts {
            website_id: "web_1",
            page_url: Some("https://shop.test/pricing?x=1"),
            identified: false,
            visitor_attributes: &browser,
            server_attributes: &server,
            open_now: None,
            language: Some("fr-ca"),
            department_id: Some("dep_sales"),
            sentiment: None,
        };
        assert!(cond(RuleField::Department, RuleOperator::Equals, None, Some("dep_sales")).matches(&f));
        assert!(!cond(RuleField::Department, RuleOperator::Equals, None, Some("dep_other")).matches(&f));
        assert!(cond(RuleField::Language, RuleOperator::StartsWith, None, Some("FR")).matches(&f));
        assert!(!cond(RuleField::Language, RuleOperator::Equals, None, Some("fr")).matches(&f));
        let rules = vec![
            rule("vip", vec![cond(RuleField::ServerAttribute, RuleOperator::Equals, Some("plan"), Some("enterprise"))]),
            rule("sales", vec![cond(RuleField::PreChat, RuleOperator::Equals, Some("topic"), Some("sales"))]),
            rule("pricing", vec![cond(RuleField::PageUrl, RuleOperator::Contains, None, Some("/PRICING"))]),
        ];
        assert_eq!(first_match(&rules, &f).map(|r| r.id.as_str()), Some("sales"));
        let only_pricing = &rules[2..];
        assert_eq!(first_match(only_pricing, &f).map(|r| r.id.as_str()), Some("pricing"));
        // An unknown key: EQUALS fails, NOT_EQUALS holds, IS_SET fails.
        let missing = cond(RuleField::VisitorAttribute, RuleOperator::Equals, Some("nope"), Some("x"));
        assert!(!missing.matches(&f));
        assert!(cond(RuleField::VisitorAttribute, RuleOperator::NotEquals, Some("nope"), Some("x")).matches(&f));
        assert!(!cond(RuleField::VisitorAttribute, RuleOperator::IsSet, Some("nope"), None).matches(&f));
        assert!(first_match(&[], &f).is_none());
    }

    #[test]
    fn booleans_and_lists() {
        let empty = BTreeMap::new();
        let f = Facts {
            website_id: "web_2",
            page_url: None,
            identified: true,
            open_now: Some(false),
            visitor_attributes: &empty,
            server_attributes: &empty,
            language: None,
            department_id: None,
            sentiment: Some("angry"),
        };
        assert!(!cond(RuleField::Department, RuleOperator::IsSet, None, None).matches(&f));
        let upset =
            RuleCondition { field: RuleField::Sentiment, operator: RuleOperator::In, key: None, value: None, values: vec!["negative".into(), "angry".into()] };
        assert!(upset.matches(&f));
        assert!(cond(RuleField::Identified, RuleOperator::IsTrue, None, None).matches(&f));
        assert!(cond(RuleField::BusinessHours, RuleOperator::IsFalse, None, None).matches(&f));
        let within =
            RuleCondition { field: RuleField::Website, operator: RuleOperator::In, key: None, value: None, values: vec!["web_1".into(), "WEB_2".into()] };
        assert!(within.check().unwrap().matches(&f));
    }

    #[test]
    fn malformed_conditions_and_tags_are_refused() {
        let bad = [
            RuleCondition { field: RuleField::PreChat, operator: RuleOperator::Equals, key: None, value: Some("x".into()), values: vec![] },
            RuleCondition { field: RuleField::PageUrl, operator: RuleOperator::Equals, key: None, value: None, values: vec![] },
            RuleCondition { field: RuleField::Identified, operator: RuleOperator::Equals, key: None, value: Some("x".into()), values: vec![] },
            RuleCondition { field: RuleField::PageUrl, operator: RuleOperator::IsTrue, key: None, value: None, values: vec![] },
            RuleCondition { field: RuleField::Website, operator: RuleOperator::In, key: None, value: None, values: vec![] },
            RuleCondition { field: RuleField::PageUrl, operator: RuleOperator::Contains, key: None, value: Some("x".repeat(501)), values: vec![] },
        ];
        for c in bad {
            assert!(c.clone().check().is_err(), "{c:?}");
        }
        assert_eq!(tags(&["VIP".into(), " vip ".into(), "billing issue".into()]).unwrap(), ["vip", "billing issue"]);
        assert!(tag("").is_err() && tag("<b>").is_err() && tag(&"x".repeat(41)).is_err());
        assert!(tags(&(0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()).is_err());
    }
}
