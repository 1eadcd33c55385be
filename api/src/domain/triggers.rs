//! Triggers: a proactive message the widget shows when conditions on the visitor's page
//! hold (the address, the referrer, time on the page, pages viewed, a returning visitor,
//! business hours, agents online). The widget evaluates the page's conditions in the
//! browser; the server decides business hours and agents online when it lists a
//! website's triggers, so those two never reach the page. Pure, like rules.

use serde::{Deserialize, Serialize};

use super::rules::{compare_text, RuleOperator, MAX_VALUES};
use super::ValidationError;

/// The most triggers a website keeps, and conditions per trigger.
pub const MAX_TRIGGERS: usize = 20;
pub const MAX_TRIGGER_CONDITIONS: usize = 10;

/// What a trigger's condition looks at.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TriggerField {
    /// The page's address (`EQUALS`, `NOT_EQUALS`, `CONTAINS`, `STARTS_WITH`, `IN`).
    PageUrl,
    /// The page's referrer (`document.referrer`), the same operators, or `IS_SET`.
    Referrer,
    /// Seconds the visitor has been on this page: `AT_LEAST`.
    TimeOnPage,
    /// Pages viewed in this visit (1 on the first page): `AT_LEAST`. Without the site's
    /// consent setting each page load is its own visit, so it is always 1.
    PagesViewed,
    /// A visitor seen before (`IS_TRUE`/`IS_FALSE`): only with the site's consent
    /// setting (otherwise every visitor is new) or a visitor who has chatted.
    Returning,
    /// The website is within its business hours (decided by the server).
    BusinessHours,
    /// At least one agent is online (decided by the server).
    AgentsOnline,
}

impl TriggerField {
    fn boolean(self) -> bool {
        matches!(self, TriggerField::Returning | TriggerField::BusinessHours | TriggerField::AgentsOnline)
    }
    fn numeric(self) -> bool {
        matches!(self, TriggerField::TimeOnPage | TriggerField::PagesViewed)
    }
    /// Decided by the server when it lists the triggers, not by the page.
    pub fn server_side(self) -> bool {
        matches!(self, TriggerField::BusinessHours | TriggerField::AgentsOnline)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerCondition {
    pub field: TriggerField,
    pub operator: RuleOperator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

fn invalid(msg: &str) -> ValidationError {
    ValidationError(msg.into())
}

impl TriggerCondition {
    /// Checks the shape: the operator fits the field, numbers are numbers in range, texts
    /// are bounded.
    pub fn check(mut self) -> Result<TriggerCondition, ValidationError> {
        let op = self.operator;
        if self.field.boolean() {
            if !matches!(op, RuleOperator::IsTrue | RuleOperator::IsFalse) {
                return Err(invalid("RETURNING, BUSINESS_HOURS and AGENTS_ONLINE take IS_TRUE or IS_FALSE"));
            }
            self.value = None;
            self.values.clear();
            return Ok(self);
        }
        if self.field.numeric() {
            let max = if self.field == TriggerField::TimeOnPage { 86_400 } else { 1_000 };
            let n = self.value.as_deref().map(str::trim).and_then(|v| v.parse::<u32>().ok());
            return match (op, n) {
                (RuleOperator::AtLeast, Some(n)) if n <= max => {
                    self.value = Some(n.to_string());
                    self.values.clear();
                    Ok(self)
                }
                _ => Err(ValidationError(format!("TIME_ON_PAGE and PAGES_VIEWED take AT_LEAST with a whole number from 0 to {max}"))),
            };
        }
        match op {
            RuleOperator::Equals | RuleOperator::NotEquals | RuleOperator::Contains | RuleOperator::StartsWith => {
                match self.value.as_deref() {
                    Some(v) if !v.is_empty() && v.chars().count() <= 500 => {}
                    _ => return Err(invalid("EQUALS, NOT_EQUALS, CONTAINS and STARTS_WITH need a value of 1 to 500 characters")),
                }
                self.values.clear();
            }
            RuleOperator::In => {
                if self.values.is_empty() || self.values.len() > MAX_VALUES || self.values.iter().any(|v| v.is_empty() || v.chars().count() > 500) {
                    return Err(ValidationError(format!("IN needs 1 to {MAX_VALUES} values of 1 to 500 characters")));
                }
                self.value = None;
            }
            RuleOperator::IsSet => {
                self.value = None;
                self.values.clear();
            }
            _ => return Err(invalid("PAGE_URL and REFERRER take EQUALS, NOT_EQUALS, CONTAINS, STARTS_WITH, IN or IS_SET")),
        }
        Ok(self)
    }

    fn holds(&self, p: &PageFacts) -> bool {
        let yes = self.operator == RuleOperator::IsTrue;
        let at_least = |n: u32| self.value.as_deref().and_then(|v| v.parse::<u32>().ok()).is_some_and(|min| n >= min);
        match self.field {
            TriggerField::PageUrl => compare_text(self.operator, self.value.as_deref(), &self.values, Some(p.url)),
            TriggerField::Referrer => compare_text(self.operator, self.value.as_deref(), &self.values, p.referrer.filter(|r| !r.is_empty())),
            TriggerField::TimeOnPage => at_least(p.seconds_on_page),
            TriggerField::PagesViewed => at_least(p.pages_viewed),
            TriggerField::Returning => yes == p.returning,
            TriggerField::BusinessHours => yes == p.open_now,
            TriggerField::AgentsOnline => yes == p.agents_online,
        }
    }
}

/// What is known on the visitor's page (the widget's side of the same test), and the
/// two facts the server decides.
#[derive(Debug, Clone, Copy)]
pub struct PageFacts<'a> {
    pub url: &'a str,
    pub referrer: Option<&'a str>,
    pub seconds_on_page: u32,
    pub pages_viewed: u32,
    pub returning: bool,
    pub open_now: bool,
    pub agents_online: bool,
}

/// Every condition holds (none: every page).
pub fn holds(conditions: &[TriggerCondition], p: &PageFacts) -> bool {
    conditions.iter().all(|c| c.holds(p))
}

/// The server's part: whether the conditions it decides hold now.
pub fn server_side_holds(conditions: &[TriggerCondition], open_now: bool, agents_online: bool) -> bool {
    conditions
        .iter()
        .filter(|c| c.field.server_side())
        .all(|c| (c.operator == RuleOperator::IsTrue) == if c.field == TriggerField::BusinessHours { open_now } else { agents_online })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(field: TriggerField, operator: RuleOperator, value: Option<&str>) -> TriggerCondition {
        TriggerCondition { field, operator, value: value.map(Into::into), values: Vec::new() }.check().unwrap()
    }
    fn page(url: &str) -> PageFacts<'_> {
        PageFacts { url, referrer: None, seconds_on_page: 0, pages_viewed: 1, returning: false, open_now: true, agents_online: true }
    }

    #[test]
    fn shapes_are_checked() {
        let bad =
            |field, operator, value: Option<&str>| TriggerCondition { field, operator, value: value.map(Into::into), values: Vec::new() }.check().is_err();
        assert!(bad(TriggerField::TimeOnPage, RuleOperator::Equals, Some("3")));
        assert!(bad(TriggerField::TimeOnPage, RuleOperator::AtLeast, Some("-1")));
        assert!(bad(TriggerField::TimeOnPage, RuleOperator::AtLeast, Some("86401")));
        assert!(bad(TriggerField::PagesViewed, RuleOperator::AtLeast, Some("two")));
        assert!(bad(TriggerField::Returning, RuleOperator::Equals, Some("yes")));
        assert!(bad(TriggerField::PageUrl, RuleOperator::AtLeast, Some("3")));
        assert!(bad(TriggerField::PageUrl, RuleOperator::Contains, None));
        assert!(bad(TriggerField::PageUrl, RuleOperator::In, None));
        assert_eq!(cond(TriggerField::TimeOnPage, RuleOperator::AtLeast, Some(" 30 ")).value.as_deref(), Some("30"));
    }

    #[test]
    fn page_conditions_hold_on_the_right_page() {
        let pricing =
            [cond(TriggerField::PageUrl, RuleOperator::Contains, Some("/Pricing")), cond(TriggerField::TimeOnPage, RuleOperator::AtLeast, Some("20"))];
        let mut p = page("https://shop.example/pricing?x=1");
        assert!(!holds(&pricing, &p), "not yet 20 s on the page");
        p.seconds_on_page = 20;
        assert!(holds(&pricing, &p));
        assert!(!holds(&pricing, &PageFacts { seconds_on_page: 25, ..page("https://shop.example/about") }));
        let from_google = [cond(TriggerField::Referrer, RuleOperator::Contains, Some("google."))];
        assert!(!holds(&from_google, &p));
        assert!(holds(&from_google, &PageFacts { referrer: Some("https://www.google.com/"), ..p }));
        let returning = [cond(TriggerField::Returning, RuleOperator::IsTrue, None)];
        assert!(!holds(&returning, &p));
        assert!(holds(&[], &p), "no condition: every page");
    }

    #[test]
    fn the_server_decides_hours_and_agents() {
        let closed = [cond(TriggerField::BusinessHours, RuleOperator::IsFalse, None), cond(TriggerField::PageUrl, RuleOperator::IsSet, None)];
        assert!(server_side_holds(&closed, false, true));
        assert!(!server_side_holds(&closed, true, true));
        let nobody = [cond(TriggerField::AgentsOnline, RuleOperator::IsFalse, None)];
        assert!(server_side_holds(&nobody, true, false));
        assert!(!server_side_holds(&nobody, true, true));
    }
}
