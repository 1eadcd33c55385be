//! Conversion tracking (docs/analytics.md#conversions): what a tracked event may be,
//! which events are conversions, and money. Values are checked and kept in the
//! currency's minor units as integers, so one `track('purchase', {value: 1e12})` is
//! refused rather than poisoning a report, and sums are exact.

use super::{invalid, no_nul, ValidationError};

/// The event every site has as a goal: a purchase, with a value and a currency.
pub const PURCHASE: &str = "purchase";
/// Goals a website may name besides `purchase`.
pub const MAX_GOALS: usize = 20;
/// Events in one `trackEvents` call (the widget's buffer holds 100 and sends in chunks).
pub const MAX_EVENTS: usize = 20;
/// Properties of one event, and their sizes.
pub const MAX_PROPERTIES: usize = 20;
const MAX_KEY: usize = 40;
const MAX_PROPERTY_VALUE: usize = 200;
/// The largest value one event may carry, in major units of any currency.
pub const MAX_VALUE: f64 = 1_000_000.0;
/// How far back a tracked event may be dated (the widget flushes what it buffered).
pub const MAX_AGE_MS: i64 = 24 * 3600 * 1000;
/// The attribution window's bounds, in days.
pub const WINDOW_DAYS: std::ops::RangeInclusive<i64> = 1..=90;

/// An event name: 1 to 64 letters, digits, `_`, `-`, `.` and `:` (`purchase`,
/// `signup`, `trial:started`). Case is kept; names compare exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventName(String);

impl EventName {
    pub fn parse(s: &str) -> Result<EventName, ValidationError> {
        let s = s.trim();
        if s.is_empty() || s.len() > 64 || !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')) {
            return Err(invalid("an event name is 1 to 64 letters, digits, '_', '-', '.' and ':'"));
        }
        Ok(EventName(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A website's goals: distinct event names besides `purchase`, stored as a JSON array.
pub fn parse_goals(names: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut goals: Vec<String> = Vec::new();
    for n in names {
        let n = EventName::parse(n)?.0;
        if n != PURCHASE && !goals.contains(&n) {
            goals.push(n);
        }
    }
    if goals.len() > MAX_GOALS {
        return Err(invalid(format!("at most {MAX_GOALS} goals besides purchase")));
    }
    Ok(goals)
}

/// Whether an event of this name is a conversion on a website with these goals.
pub fn is_conversion(name: &str, goals: &[String]) -> bool {
    name == PURCHASE || goals.iter().any(|g| g == name)
}

/// ISO 4217 codes in use, with their minor unit exponent where it is not 2.
const CURRENCIES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD3 BIF0 BMD BND BOB BRL BSD BTN BWP BYN BZD CAD \
CDF CHF CLP0 CNY COP CRC CUP CVE CZK DJF0 DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF0 GTQ GYD HKD HNL HTG HUF \
IDR ILS INR IQD3 IRR ISK0 JMD JOD3 JPY0 KES KGS KHR KMF0 KPW KRW0 KWD3 KYD KZT LAK LBP LKR LRD LSL LYD3 MAD MDL MGA MKD MMK MNT \
MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR3 PAB PEN PGK PHP PKR PLN PYG0 QAR RON RSD RUB RWF0 SAR SBD SCR SDG \
SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND3 TOP TRY TTD TWD TZS UAH UGX0 USD UYU UZS VES VND0 VUV0 WST XAF0 \
XCD XOF0 XPF0 YER ZAR ZMW ZWL";

/// A checked ISO 4217 currency code and its minor unit exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    code: [u8; 3],
    exponent: u32,
}

impl Currency {
    pub fn parse(s: &str) -> Result<Currency, ValidationError> {
        let code = s.trim().to_ascii_uppercase();
        CURRENCIES
            .split_ascii_whitespace()
            .find(|c| c.get(..3) == Some(code.as_str()))
            .map(|c| Currency { code: c.as_bytes()[..3].try_into().expect("three letters"), exponent: c.get(3..).and_then(|e| e.parse().ok()).unwrap_or(2) })
            .ok_or_else(|| invalid(format!("currency must be an ISO 4217 code such as EUR or USD, not '{}'", s.trim())))
    }
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).expect("ASCII")
    }
    /// The value in minor units (cents), refused outside 0 to `MAX_VALUE`.
    pub fn minor_units(&self, value: f64) -> Result<i64, ValidationError> {
        if !value.is_finite() || !(0.0..=MAX_VALUE).contains(&value) {
            return Err(invalid(format!("value must be from 0 to {MAX_VALUE}")));
        }
        Ok((value * 10f64.powi(self.exponent as i32)).round() as i64)
    }
    /// Minor units back to a value in major units, for reports and payloads.
    pub fn major(code: &str, minor: i64) -> f64 {
        let exponent = Currency::parse(code).map_or(2, |c| c.exponent);
        minor as f64 / 10f64.powi(exponent as i32)
    }
}

/// A value and its currency, both or neither.
pub fn money(value: Option<f64>, currency: Option<&str>) -> Result<Option<(i64, Currency)>, ValidationError> {
    match (value, currency.map(str::trim).filter(|c| !c.is_empty())) {
        (None, None) => Ok(None),
        (Some(v), Some(c)) => {
            let c = Currency::parse(c)?;
            Ok(Some((c.minor_units(v)?, c)))
        }
        _ => Err(invalid("value and currency go together")),
    }
}

/// An event's properties: at most 20 pairs, keys 1 to 40 letters, digits, `_` and `-`,
/// values at most 200 characters; stored as a JSON object.
pub fn properties_json(pairs: &[(String, String)]) -> Result<String, ValidationError> {
    if pairs.len() > MAX_PROPERTIES {
        return Err(invalid(format!("at most {MAX_PROPERTIES} properties per event")));
    }
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        let k = k.trim();
        if k.is_empty() || k.len() > MAX_KEY || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(invalid(format!("a property key is 1 to {MAX_KEY} letters, digits, '_' and '-'")));
        }
        if v.chars().count() > MAX_PROPERTY_VALUE {
            return Err(invalid(format!("a property value is at most {MAX_PROPERTY_VALUE} characters")));
        }
        no_nul("property value", v)?;
        map.insert(k.to_owned(), serde_json::Value::String(v.clone()));
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// When the event happened: `at` (ms) if given and within the last day, else now. A
/// time ahead of now is now: a browser whose clock runs fast loses nothing.
pub fn occurred_at(at: Option<i64>, now: i64) -> Result<i64, ValidationError> {
    match at {
        None => Ok(now),
        Some(t) if t < now - MAX_AGE_MS => Err(invalid("occurredAt is more than a day ago")),
        Some(t) => Ok(t.min(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_checked_and_kept_in_minor_units() {
        assert_eq!(money(Some(19.99), Some("eur")).unwrap().map(|(m, c)| (m, c.code().to_owned())), Some((1999, "EUR".into())));
        assert_eq!(money(Some(1500.0), Some("JPY")).unwrap().unwrap().0, 1500, "yen have no minor unit");
        assert_eq!(money(Some(1.234), Some("KWD")).unwrap().unwrap().0, 1234, "three decimals");
        assert_eq!(money(None, None).unwrap(), None);
        assert!(money(Some(1e12), Some("USD")).is_err(), "a poisoned value is refused");
        assert!(money(Some(-5.0), Some("USD")).is_err());
        assert!(money(Some(f64::NAN), Some("USD")).is_err());
        assert!(money(Some(5.0), Some("XYZ")).is_err(), "not a currency");
        assert!(money(Some(5.0), Some("US")).is_err());
        assert!(money(Some(5.0), None).is_err(), "a value needs its currency");
        assert!(money(None, Some("USD")).is_err());
        assert_eq!(Currency::major("JPY", 1500), 1500.0);
        assert_eq!(Currency::major("EUR", 1999), 19.99);
    }

    #[test]
    fn names_goals_and_properties_are_bounded() {
        assert!(EventName::parse("trial:started").is_ok());
        assert!(EventName::parse("").is_err());
        assert!(EventName::parse("has space").is_err());
        assert!(EventName::parse(&"x".repeat(65)).is_err());
        assert_eq!(parse_goals(&["signup".into(), "purchase".into(), "signup".into()]).unwrap(), vec!["signup".to_owned()]);
        assert!(parse_goals(&(0..21).map(|i| format!("g{i}")).collect::<Vec<_>>()).is_err());
        assert!(is_conversion("purchase", &[]) && is_conversion("signup", &["signup".into()]) && !is_conversion("view", &["signup".into()]));
        assert_eq!(properties_json(&[("plan".into(), "pro".into())]).unwrap(), r#"{"plan":"pro"}"#);
        assert!(properties_json(&[("bad key".into(), "x".into())]).is_err());
        assert!(properties_json(&[("k".into(), "x".repeat(201))]).is_err());
        assert!(properties_json(&(0..21).map(|i| (format!("k{i}"), "v".into())).collect::<Vec<_>>()).is_err());
    }

    #[test]
    fn events_are_dated_within_the_last_day() {
        let now = 10 * MAX_AGE_MS;
        assert_eq!(occurred_at(None, now).unwrap(), now);
        assert_eq!(occurred_at(Some(now - 5_000), now).unwrap(), now - 5_000);
        assert_eq!(occurred_at(Some(now + 5_000), now).unwrap(), now, "a clock ahead is now");
        assert_eq!(occurred_at(Some(now + 3_600_000), now).unwrap(), now);
        assert!(occurred_at(Some(now - MAX_AGE_MS - 1), now).is_err());
    }
}
