//! How a website behaves: business hours in its own time zone, the pre-chat form, and
//! visitor attributes. Stored as JSON on the website; parsed here, so only valid
//! settings are ever stored.

use serde::{Deserialize, Serialize};

use super::{invalid, ValidationError};

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    fn from_jiff(d: jiff::civil::Weekday) -> Weekday {
        use jiff::civil::Weekday as W;
        match d {
            W::Monday => Weekday::Monday,
            W::Tuesday => Weekday::Tuesday,
            W::Wednesday => Weekday::Wednesday,
            W::Thursday => Weekday::Thursday,
            W::Friday => Weekday::Friday,
            W::Saturday => Weekday::Saturday,
            W::Sunday => Weekday::Sunday,
        }
    }
}

/// One opening interval, local time `HH:MM`; `close` may be `24:00`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub day: Weekday,
    pub open: String,
    pub close: String,
}

/// Weekly opening hours in an IANA time zone (`Europe/Oslo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessHours {
    pub time_zone: String,
    pub intervals: Vec<Interval>,
    /// Local dates closed all day (the organization's holidays), set when read.
    #[serde(skip)]
    pub holidays: Vec<jiff::civil::Date>,
}

fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

impl BusinessHours {
    pub fn parse(time_zone: &str, intervals: Vec<Interval>) -> Result<Self, ValidationError> {
        jiff::tz::TimeZone::get(time_zone).map_err(|_| invalid(format!("'{time_zone}' is not an IANA time zone like Europe/Oslo")))?;
        if intervals.len() > 28 {
            return Err(invalid("at most 28 opening intervals"));
        }
        let mut spans: Vec<(Weekday, u32, u32)> = Vec::new();
        for i in &intervals {
            match (minutes(&i.open), minutes(&i.close)) {
                (Some(o), Some(c)) if o < c => {
                    if spans.iter().any(|(d, so, sc)| *d == i.day && o < *sc && *so < c) {
                        return Err(invalid(format!("opening hours overlap on {:?}: {}-{}", i.day, i.open, i.close)));
                    }
                    spans.push((i.day, o, c));
                }
                _ => return Err(invalid(format!("opening hours must be HH:MM with open before close, got {}-{}", i.open, i.close))),
            }
        }
        Ok(BusinessHours { time_zone: time_zone.to_owned(), intervals, holidays: Vec::new() })
    }

    /// Whether the website is open at `unix_ms`, in its own time zone.
    pub fn is_open_at(&self, unix_ms: i64) -> bool {
        let Ok(tz) = jiff::tz::TimeZone::get(&self.time_zone) else { return true };
        let Ok(ts) = jiff::Timestamp::from_millisecond(unix_ms) else { return true };
        let local = ts.to_zoned(tz);
        if self.holidays.contains(&local.date()) {
            return false;
        }
        let day = Weekday::from_jiff(local.weekday());
        let now = local.hour() as u32 * 60 + local.minute() as u32;
        self.intervals.iter().any(|i| i.day == day && minutes(&i.open).is_some_and(|o| o <= now) && minutes(&i.close).is_some_and(|c| now < c))
    }
}

impl BusinessHours {
    /// When the website next opens after `unix_ms` (unix ms), in its own time zone with
    /// daylight saving applied; `None` when it is open now or never opens.
    pub fn next_opening_after(&self, unix_ms: i64) -> Option<i64> {
        if self.is_open_at(unix_ms) {
            return None;
        }
        let tz = jiff::tz::TimeZone::get(&self.time_zone).ok()?;
        let now = jiff::Timestamp::from_millisecond(unix_ms).ok()?.to_zoned(tz.clone());
        let today = now.date();
        // A week, plus the holidays in the way.
        (0..8 + self.holidays.len() as i64)
            .filter_map(|offset| today.checked_add(jiff::Span::new().days(offset)).ok())
            .filter(|date| !self.holidays.contains(date))
            .flat_map(|date| {
                let day = Weekday::from_jiff(date.weekday());
                let tz = tz.clone();
                let mut opens: Vec<u32> = self.intervals.iter().filter(|i| i.day == day).filter_map(|i| minutes(&i.open)).collect();
                opens.sort_unstable();
                opens.into_iter().filter_map(move |m| {
                    let t = jiff::civil::Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).ok()?;
                    date.to_datetime(t).to_zoned(tz.clone()).ok().map(|z| z.timestamp().as_millisecond())
                })
            })
            .find(|at| *at > unix_ms)
    }
}

impl BusinessHours {
    /// The moment `open_ms` of open time have passed after `start` (unix ms): time counts
    /// only within opening intervals, in the website's time zone with daylight saving
    /// applied (an SLA target "in business hours"). `None` when the hours never open.
    pub fn add_open_time(&self, start: i64, open_ms: i64) -> Option<i64> {
        let tz = jiff::tz::TimeZone::get(&self.time_zone).ok()?;
        let first = jiff::Timestamp::from_millisecond(start).ok()?.to_zoned(tz.clone()).date();
        let mut left = open_ms.max(0);
        // A year of days is enough for any target an owner can set.
        for offset in 0..400 {
            let date = first.checked_add(jiff::Span::new().days(offset)).ok()?;
            for (open, close) in self.open_spans(&tz, date) {
                let (from, to) = (open.max(start), close);
                if from >= to {
                    continue;
                }
                if left <= to - from {
                    return Some(from + left);
                }
                left -= to - from;
            }
        }
        None
    }

    /// The open time (ms) between `from` and `to` (unix ms): the part of it within
    /// opening intervals, in the website's time zone with daylight saving applied, and
    /// not on a holiday (a response time "in business hours"). At most ten years are
    /// looked at.
    pub fn open_time_between(&self, from: i64, to: i64) -> i64 {
        let Ok(tz) = jiff::tz::TimeZone::get(&self.time_zone) else { return 0 };
        let (Ok(a), Ok(b)) = (jiff::Timestamp::from_millisecond(from), jiff::Timestamp::from_millisecond(to)) else { return 0 };
        if to <= from {
            return 0;
        }
        let (first, last) = (a.to_zoned(tz.clone()).date(), b.to_zoned(tz.clone()).date());
        let mut total = 0;
        // The day before too: an interval closing at 24:00 ends on the next day.
        for offset in -1..3660 {
            let Ok(date) = first.checked_add(jiff::Span::new().days(offset)) else { continue };
            if date > last {
                break;
            }
            for (open, close) in self.open_spans(&tz, date) {
                total += (close.min(to) - open.max(from)).max(0);
            }
        }
        total
    }

    /// The opening intervals of a local `date` as unix ms, in order; none on a holiday.
    fn open_spans(&self, tz: &jiff::tz::TimeZone, date: jiff::civil::Date) -> Vec<(i64, i64)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let day = Weekday::from_jiff(date.weekday());
        let mut spans: Vec<(u32, u32)> = self.intervals.iter().filter(|i| i.day == day).filter_map(|i| Some((minutes(&i.open)?, minutes(&i.close)?))).collect();
        spans.sort_unstable();
        let at = |m: u32| -> Option<i64> {
            // 24:00 is the next day's midnight.
            let (d, m) = if m == 24 * 60 { (date.checked_add(jiff::Span::new().days(1)).ok()?, 0) } else { (date, m) };
            let t = jiff::civil::Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).ok()?;
            d.to_datetime(t).to_zoned(tz.clone()).ok().map(|z| z.timestamp().as_millisecond())
        };
        spans.into_iter().filter_map(|(open, close)| Some((at(open)?, at(close)?))).filter(|(o, c)| o < c).collect()
    }
}

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreChatFieldKind {
    Text,
    Email,
    Phone,
    Textarea,
    /// One of `options` (e.g. a topic or a department to talk to; routing rules can
    /// route on the answer).
    Select,
}

/// A field of the pre-chat form. `name` and `email` keys fill the visitor's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreChatField {
    pub key: String,
    pub label: String,
    pub kind: PreChatFieldKind,
    pub required: bool,
    /// The choices of a `SELECT` field (2 to 20, each 1 to 100 characters).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

fn attribute_key(k: &str) -> Result<String, ValidationError> {
    let k = k.trim();
    let ok = (1..=40).contains(&k.len()) && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(invalid(format!("'{k}' is not a key: 1 to 40 letters, digits, '-' or '_'")));
    }
    Ok(k.to_owned())
}

impl PreChatField {
    pub fn parse_list(fields: Vec<PreChatField>) -> Result<Vec<PreChatField>, ValidationError> {
        if fields.len() > 10 {
            return Err(invalid("at most 10 pre-chat fields"));
        }
        let mut seen = std::collections::HashSet::new();
        fields
            .into_iter()
            .map(|f| {
                let key = attribute_key(&f.key)?;
                if !seen.insert(key.clone()) {
                    return Err(invalid(format!("pre-chat field '{key}' appears twice")));
                }
                let label = f.label.trim().to_owned();
                if label.is_empty() || label.chars().count() > 100 {
                    return Err(invalid("a pre-chat label must be 1 to 100 characters"));
                }
                let options: Vec<String> = f.options.iter().map(|o| o.trim().to_owned()).collect();
                match f.kind {
                    PreChatFieldKind::Select => {
                        let distinct: std::collections::HashSet<&String> = options.iter().collect();
                        if !(2..=20).contains(&options.len())
                            || distinct.len() != options.len()
                            || options.iter().any(|o| o.is_empty() || o.chars().count() > 100)
                        {
                            return Err(invalid(format!("pre-chat field '{key}' (SELECT) needs 2 to 20 different options of 1 to 100 characters")));
                        }
                    }
                    _ if !options.is_empty() => return Err(invalid(format!("only a SELECT pre-chat field has options ('{key}')"))),
                    _ => {}
                }
                Ok(PreChatField { key, label, options, ..f })
            })
            .collect()
    }
}

/// Custom attributes of a visitor (pre-chat answers, or set by the site): at most 20,
/// keys like pre-chat keys, values up to 500 characters.
pub fn parse_attributes(pairs: &[(String, String)]) -> Result<Vec<(String, String)>, ValidationError> {
    if pairs.len() > 20 {
        return Err(invalid("at most 20 attributes"));
    }
    pairs
        .iter()
        .map(|(k, v)| {
            let v = v.trim();
            if v.chars().count() > 500 {
                return Err(invalid(format!("attribute '{k}' is longer than 500 characters")));
            }
            Ok((attribute_key(k)?, v.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours() -> BusinessHours {
        let i = |day, open: &str, close: &str| Interval { day, open: open.into(), close: close.into() };
        BusinessHours::parse("Europe/Oslo", vec![i(Weekday::Monday, "09:00", "17:00"), i(Weekday::Saturday, "10:00", "24:00")]).unwrap()
    }

    #[test]
    fn open_in_the_websites_own_time_zone() {
        // 2026-11-30 is a Monday; Oslo is UTC+1 in winter.
        let at = |s: &str| jiff::Timestamp::strptime("%Y-%m-%dT%H:%M%z", s).unwrap().as_millisecond();
        assert!(hours().is_open_at(at("2026-11-30T08:30+0000")), "09:30 in Oslo");
        assert!(!hours().is_open_at(at("2026-11-30T07:30+0000")), "08:30 in Oslo");
        assert!(!hours().is_open_at(at("2026-11-30T16:00+0000")), "17:00 in Oslo is closed");
        assert!(hours().is_open_at(at("2026-12-05T22:59+0000")), "Saturday 23:59 in Oslo");
    }

    #[test]
    fn the_next_opening_is_found_in_local_time_across_daylight_saving() {
        let at = |s: &str| jiff::Timestamp::strptime("%Y-%m-%dT%H:%M%z", s).unwrap().as_millisecond();
        // Monday 08:30 UTC = 09:30 Oslo: open now.
        assert_eq!(hours().next_opening_after(at("2026-11-30T08:30+0000")), None);
        // Monday 17:00 Oslo: next is Saturday 10:00 Oslo = 09:00 UTC.
        assert_eq!(hours().next_opening_after(at("2026-11-30T16:00+0000")), Some(at("2026-12-05T09:00+0000")));
        // Across the spring change (2027-03-28): Monday 29 March 09:00 Oslo is 07:00 UTC (summer time).
        assert_eq!(hours().next_opening_after(at("2027-03-27T23:30+0000")), Some(at("2027-03-29T07:00+0000")));
    }

    #[test]
    fn open_time_is_counted_across_a_closed_weekend_and_daylight_saving() {
        let at = |s: &str| jiff::Timestamp::strptime("%Y-%m-%dT%H:%M%z", s).unwrap().as_millisecond();
        let i = |day, open: &str, close: &str| Interval { day, open: open.into(), close: close.into() };
        let week: Vec<Interval> =
            [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday].into_iter().map(|d| i(d, "09:00", "17:00")).collect();
        let office = BusinessHours::parse("Europe/Oslo", week).unwrap();
        let hour = 3_600_000;
        // Friday 2026-12-04 16:00 Oslo (15:00 UTC) + 2 open hours: 1 on Friday, 1 on Monday.
        assert_eq!(office.add_open_time(at("2026-12-04T15:00+0000"), 2 * hour), Some(at("2026-12-07T09:00+0000")));
        // Saturday: the clock starts on Monday 09:00.
        assert_eq!(office.add_open_time(at("2026-12-05T12:00+0000"), 30 * 60_000), Some(at("2026-12-07T08:30+0000")));
        // Within a day, and exactly to its close.
        assert_eq!(office.add_open_time(at("2026-12-07T08:00+0000"), hour), Some(at("2026-12-07T09:00+0000")));
        assert_eq!(office.add_open_time(at("2026-12-07T08:00+0000"), 8 * hour), Some(at("2026-12-07T16:00+0000")));
        // Across the spring change: Friday 26 March 2027 16:30 Oslo (UTC+1) + 1 h is
        // Monday 29 March 09:30 Oslo, now UTC+2.
        assert_eq!(office.add_open_time(at("2027-03-26T15:30+0000"), hour), Some(at("2027-03-29T07:30+0000")));
        // Open around the clock on Saturday (10:00 to 24:00) in `hours()`.
        assert_eq!(hours().add_open_time(at("2026-12-05T22:30+0000"), hour), Some(at("2026-12-07T08:30+0000")), "23:30 + 30 min, then Monday");
        assert_eq!(BusinessHours::parse("UTC", vec![]).unwrap().add_open_time(0, hour), None, "never open");
    }

    #[test]
    fn holidays_are_closed_all_day_in_local_time() {
        let at = |s: &str| jiff::Timestamp::strptime("%Y-%m-%dT%H:%M%z", s).unwrap().as_millisecond();
        let i = |day, open: &str, close: &str| Interval { day, open: open.into(), close: close.into() };
        let week: Vec<Interval> =
            [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday].into_iter().map(|d| i(d, "09:00", "17:00")).collect();
        let mut office = BusinessHours::parse("Europe/Oslo", week).unwrap();
        // Thursday 24 and Friday 25 December 2026 closed.
        office.holidays = vec![jiff::civil::date(2026, 12, 24), jiff::civil::date(2026, 12, 25)];
        assert!(!office.is_open_at(at("2026-12-24T10:00+0000")));
        assert!(office.is_open_at(at("2026-12-23T10:00+0000")));
        // Wednesday 16:30 Oslo + 1 open hour: 30 min Wednesday, 30 min on Monday the 28th.
        assert_eq!(office.add_open_time(at("2026-12-23T15:30+0000"), 3_600_000), Some(at("2026-12-28T08:30+0000")));
        assert_eq!(office.next_opening_after(at("2026-12-23T17:00+0000")), Some(at("2026-12-28T08:00+0000")));
    }

    #[test]
    fn bad_hours_are_refused() {
        let i = |open: &str, close: &str| vec![Interval { day: Weekday::Friday, open: open.into(), close: close.into() }];
        assert!(BusinessHours::parse("Mars/Olympus", i("09:00", "10:00")).is_err());
        assert!(BusinessHours::parse("UTC", i("10:00", "09:00")).is_err());
        assert!(BusinessHours::parse("UTC", i("9:00", "10:00")).is_err());
        assert!(BusinessHours::parse("UTC", i("00:00", "24:00")).is_ok());
        let two = |a: (&str, &str), b: (&str, &str)| {
            vec![Interval { day: Weekday::Monday, open: a.0.into(), close: a.1.into() }, Interval { day: Weekday::Monday, open: b.0.into(), close: b.1.into() }]
        };
        assert!(BusinessHours::parse("UTC", two(("09:00", "12:00"), ("11:00", "14:00"))).is_err());
        assert!(BusinessHours::parse("UTC", two(("09:00", "12:00"), ("12:00", "14:00"))).is_ok());
    }
}
