//! The organization's schedule (DESIGN.md: one time zone and holiday calendar, with
//! per-website business hours), used wherever business hours are: the widget's "open
//! now" and next opening, routing rules on business hours, SLA due times.
//!
//! Websites' hours are read often (every widget load), so each node keeps every
//! organization's holidays for `TTL`: a change reaches other nodes within it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::App;
use crate::auth::Principal;
use crate::domain::BusinessHours;
use crate::error::{ApiError, ApiResult};
use crate::store::{ScheduleRow, WebsiteRow};

/// How long a node trusts the holidays it read.
const TTL: Duration = Duration::from_secs(30);
/// Holidays per organization.
pub const MAX_HOLIDAYS: usize = 100;

/// A date the organization's websites are closed all day (in each website's time zone).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub name: String,
}

#[derive(Default)]
pub struct Holidays(Mutex<HashMap<String, (Instant, Vec<jiff::civil::Date>)>>);

/// The stored list, as written (unreadable entries are skipped).
pub fn holidays_of(row: &ScheduleRow) -> Vec<Holiday> {
    serde_json::from_str(&row.holidays).unwrap_or_default()
}

impl App {
    /// The website's business hours with its organization's holidays, if it has hours.
    pub async fn website_hours(&self, w: &WebsiteRow) -> ApiResult<Option<BusinessHours>> {
        let Some(mut hours) = w.hours() else { return Ok(None) };
        let cached = self.holidays.0.lock().expect("holidays lock").get(&w.org_id).filter(|(at, _)| at.elapsed() < TTL).map(|(_, d)| d.clone());
        hours.holidays = match cached {
            Some(dates) => dates,
            None => {
                let dates: Vec<jiff::civil::Date> = holidays_of(&self.store.schedule(&w.org_id).await?).iter().filter_map(|h| h.date.parse().ok()).collect();
                self.holidays.0.lock().expect("holidays lock").insert(w.org_id.clone(), (Instant::now(), dates.clone()));
                dates
            }
        };
        Ok(Some(hours))
    }

    /// Open now: within its business hours and not on a holiday, or always when it has
    /// no hours.
    pub async fn website_open_now(&self, w: &WebsiteRow) -> ApiResult<bool> {
        Ok(self.website_hours(w).await?.is_none_or(|h| h.is_open_at(crate::time::now_ms())))
    }

    pub async fn schedule(&self, p: &Principal) -> ApiResult<ScheduleRow> {
        let a = super::agent(p)?;
        Ok(self.store.schedule(&a.org_id).await?)
    }

    /// Sets the time zone and the holidays (sorted by date; one name per date).
    pub async fn set_schedule(&self, p: &Principal, time_zone: &str, holidays: Vec<Holiday>) -> ApiResult<ScheduleRow> {
        let a = super::admin(p)?;
        let tz = time_zone.trim();
        if jiff::tz::TimeZone::get(tz).is_err() {
            return Err(ApiError::BadInput(format!("'{tz}' is not an IANA time zone like Europe/Oslo")));
        }
        if holidays.len() > MAX_HOLIDAYS {
            return Err(ApiError::BadInput(format!("at most {MAX_HOLIDAYS} holidays")));
        }
        let mut list: Vec<Holiday> = Vec::with_capacity(holidays.len());
        for h in holidays {
            let date: jiff::civil::Date = h.date.trim().parse().map_err(|_| ApiError::BadInput(format!("'{}' is not a date like 2026-12-25", h.date)))?;
            let name = h.name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(ApiError::BadInput("a holiday's name is 1 to 100 characters".into()));
            }
            list.retain(|x| x.date != date.to_string());
            list.push(Holiday { date: date.to_string(), name: name.to_owned() });
        }
        list.sort_by(|x, y| x.date.cmp(&y.date));
        let json = serde_json::to_string(&list).expect("holidays serialize");
        let row = self.store.set_schedule(&a.org_id, tz, &json).await?;
        self.holidays.0.lock().expect("holidays lock").remove(&a.org_id);
        // Business-hours figures are worked out again, by the rollup (docs/analytics.md).
        self.store.restart_analytics(&a.org_id).await?;
        self.audit(p, "schedule.update", None).await?;
        Ok(row)
    }
}
