//! The Analytics engine's rules, as pure functions (docs/analytics.md defines each
//! figure; this is that definition in code):
//!
//! - `episodes`: a conversation, its messages and its history -> one `Fact` per
//!   episode (the conversation's start, then each reopening);
//! - `Figures`: facts folded into a report's figures (exact counts and sums, and
//!   percentiles from `Hist`, a mergeable histogram with at most 1% relative error).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{BusinessHours, ConversationStatus, SenderKind};

/// Facts are kept in 15-minute UTC buckets (unix ms of the bucket's start): every time
/// zone's hours and days (:30 and :45 offsets too) are whole buckets.
pub const BUCKET_MS: i64 = 15 * 60 * 1000;
/// An episode whose first visitor message got no person's reply within this long is missed.
pub const MISSED_AFTER_MS: i64 = 60 * 60 * 1000;
/// Ratings run 1 to 5.
pub const RATINGS: usize = 5;

pub fn bucket_of(at: i64) -> i64 {
    at - at.rem_euclid(BUCKET_MS)
}

/// A mergeable histogram of durations (ms) with logarithmic bins (as DDSketch): a value
/// `v >= 1` falls in bin `1 + ceil(ln v / ln g)` with `g = 1.01 / 0.99`, 0 in bin 0.
/// Every value of a bin is within 1% of the bin's estimate, so any quantile read from
/// merged histograms is within 1% of the true one. Bins are few (about 1,100 up to a
/// month) and merge by adding counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hist(pub BTreeMap<u32, u64>);

const ALPHA: f64 = 0.01;

fn gamma_ln() -> f64 {
    ((1.0 + ALPHA) / (1.0 - ALPHA)).ln()
}

impl Hist {
    pub fn bin(ms: i64) -> u32 {
        if ms <= 0 {
            0
        } else {
            1 + ((ms as f64).ln() / gamma_ln()).ceil().max(0.0) as u32
        }
    }

    /// The value a bin stands for: within 1% of every value in it.
    pub fn estimate(bin: u32) -> f64 {
        if bin == 0 {
            0.0
        } else {
            let g = gamma_ln().exp();
            2.0 * g.powi(bin as i32 - 1) / (g + 1.0)
        }
    }

    pub fn add(&mut self, ms: i64) {
        *self.0.entry(Self::bin(ms)).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Hist) {
        for (b, n) in &other.0 {
            *self.0.entry(*b).or_default() += n;
        }
    }

    pub fn count(&self) -> u64 {
        self.0.values().sum()
    }

    /// The nearest-rank quantile `q` (0 < q <= 1) in ms, within 1%; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (b, c) in &self.0 {
            seen += c;
            if seen >= rank {
                return Some(Self::estimate(*b));
            }
        }
        None
    }
}

/// What the rollup reads of a conversation.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub created_at: i64,
    pub status: ConversationStatus,
    pub resolved_at: Option<i64>,
    pub assignee_id: Option<String>,
    /// When the router last assigned it (not set by a manual assignment).
    pub assigned_at: Option<i64>,
    pub rating: Option<i64>,
    pub rating_comment: bool,
    pub rated_at: Option<i64>,
}

/// A message as the rollup reads it (in `seq` order).
#[derive(Debug, Clone)]
pub struct Message {
    pub at: i64,
    pub kind: SenderKind,
    pub is_private: bool,
    pub sender_id: Option<String>,
    /// A visitor's message that reads as negative (or angry), and as angry
    /// (`signals::sentiment_of`).
    pub negative: bool,
    pub angry: bool,
}

/// A resolution or a reopening by hand (`conversation_lifecycle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Resolved(i64),
    Reopened(i64),
}

/// One episode's figures (docs/analytics.md#episodes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fact {
    pub episode: i64,
    pub started_at: i64,
    /// The agent credited: who sent the episode's first public reply, else (the latest
    /// episode only) the assignee.
    pub agent_id: Option<String>,
    pub visitor_messages: i64,
    pub agent_messages: i64,
    pub bot_messages: i64,
    pub first_visitor_at: Option<i64>,
    pub first_response_ms: Option<i64>,
    pub first_response_bh_ms: Option<i64>,
    pub responses: i64,
    pub response_ms: i64,
    pub response_bh_ms: i64,
    pub response_bins: Hist,
    pub response_bh_bins: Hist,
    pub wait_ms: Option<i64>,
    pub resolved_at: Option<i64>,
    pub resolution_ms: Option<i64>,
    pub resolution_bh_ms: Option<i64>,
    pub rating: Option<i64>,
    pub rating_comment: bool,
    /// The visitor's public messages that read as negative (angry ones included), and
    /// as angry.
    pub negative_messages: i64,
    pub angry_messages: i64,
}

/// Business-hours time between two instants: the website's open time, or all of it
/// when the website has no hours.
fn open_ms(hours: Option<&BusinessHours>, from: i64, to: i64) -> i64 {
    match hours {
        Some(h) => h.open_time_between(from, to),
        None => (to - from).max(0),
    }
}

struct Building {
    fact: Fact,
    /// The oldest visitor message not answered yet.
    awaiting: Option<i64>,
    first_response_at: Option<i64>,
}

impl Building {
    fn new(episode: i64, started_at: i64) -> Self {
        Building { fact: Fact { episode, started_at, ..Fact::default() }, awaiting: None, first_response_at: None }
    }
}

/// A resolution closes the episode; a reopening after one starts the next.
fn apply(e: Lifecycle, cur: &mut Building, resolved: &mut bool, done: &mut Vec<Fact>) {
    match e {
        Lifecycle::Resolved(t) if !*resolved => {
            cur.fact.resolved_at = Some(t);
            *resolved = true;
        }
        Lifecycle::Reopened(t) if *resolved => {
            let next = Building::new(cur.fact.episode + 1, t);
            done.push(std::mem::replace(cur, next).fact);
            *resolved = false;
        }
        _ => {}
    }
}

/// A conversation's episodes: the first starts when it was created, each next one when
/// it was reopened (by hand, or by the visitor writing after it was resolved). Private
/// notes and system messages are not messages here; bots' are counted but answer
/// nothing; a response is a person's public message after the visitor's, timed from
/// the oldest visitor message it answers.
pub fn episodes(c: &Conversation, messages: &[Message], history: &[Lifecycle], hours: Option<&BusinessHours>) -> Vec<Fact> {
    // Resolutions from before the history was kept: the conversation's own.
    let mut history = history.to_vec();
    if c.status == ConversationStatus::Resolved {
        if let Some(at) = c.resolved_at {
            if !history.iter().any(|h| matches!(h, Lifecycle::Resolved(t) if *t == at)) {
                history.push(Lifecycle::Resolved(at));
            }
        }
    }
    let when = |h: &Lifecycle| match h {
        Lifecycle::Resolved(t) | Lifecycle::Reopened(t) => *t,
    };
    history.sort_by_key(when);

    let mut done: Vec<Fact> = Vec::new();
    let mut cur = Building::new(0, c.created_at);
    let mut resolved = false;
    let mut h = history.iter().peekable();
    for m in messages {
        // History up to this message (a message at the same ms as a resolution came first).
        while let Some(e) = h.next_if(|e| when(e) < m.at) {
            apply(*e, &mut cur, &mut resolved, &mut done);
        }
        if m.is_private || m.kind == SenderKind::System {
            continue;
        }
        if resolved && m.kind == SenderKind::Visitor {
            let next = Building::new(cur.fact.episode + 1, m.at);
            done.push(std::mem::replace(&mut cur, next).fact);
            resolved = false;
        }
        let f = &mut cur.fact;
        match m.kind {
            SenderKind::Visitor => {
                f.visitor_messages += 1;
                f.negative_messages += i64::from(m.negative);
                f.angry_messages += i64::from(m.angry);
                f.first_visitor_at.get_or_insert(m.at);
                cur.awaiting.get_or_insert(m.at);
            }
            SenderKind::Agent => {
                f.agent_messages += 1;
                if let Some(asked) = cur.awaiting.take() {
                    let (ms, bh) = (m.at - asked, open_ms(hours, asked, m.at));
                    f.responses += 1;
                    f.response_ms += ms;
                    f.response_bh_ms += bh;
                    f.response_bins.add(ms);
                    f.response_bh_bins.add(bh);
                    if cur.first_response_at.is_none() {
                        cur.first_response_at = Some(m.at);
                        f.first_response_ms = Some(ms);
                        f.first_response_bh_ms = Some(bh);
                        f.agent_id = m.sender_id.clone();
                    }
                }
            }
            SenderKind::Bot => f.bot_messages += 1,
            SenderKind::System => {}
        }
    }
    for e in h {
        apply(*e, &mut cur, &mut resolved, &mut done);
    }
    // The latest episode: its assignee, and the router's assignment as the end of its wait.
    if cur.fact.agent_id.is_none() {
        cur.fact.agent_id = c.assignee_id.clone();
    }
    let assigned = c.assigned_at.filter(|a| *a >= cur.fact.started_at);
    done.push(cur.fact);

    for f in done.iter_mut() {
        if let Some(asked) = f.first_visitor_at {
            let answered = f.first_response_ms.map(|ms| asked + ms);
            let routed = assigned.filter(|a| *a >= asked && f.resolved_at.is_none_or(|r| *a <= r));
            f.wait_ms = match (answered, routed) {
                (Some(a), Some(r)) => Some(a.min(r) - asked),
                (Some(t), None) | (None, Some(t)) => Some(t - asked),
                (None, None) => None,
            };
        }
        if let Some(r) = f.resolved_at {
            f.resolution_ms = Some((r - f.started_at).max(0));
            f.resolution_bh_ms = Some(open_ms(hours, f.started_at, r));
        }
    }
    // The rating rates the latest resolution before it.
    if let (Some(rating), Some(at)) = (c.rating, c.rated_at) {
        if let Some(f) = done.iter_mut().rev().find(|f| f.resolved_at.is_some_and(|r| r <= at)) {
            f.rating = Some(rating);
            f.rating_comment = c.rating_comment;
        }
    }
    done
}

/// A duration figure: how many, their exact sum, and their histogram.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Durations {
    pub count: i64,
    pub sum_ms: i64,
    pub hist: Hist,
}

impl Durations {
    pub fn add(&mut self, ms: i64) {
        self.count += 1;
        self.sum_ms += ms;
        self.hist.add(ms);
    }

    pub fn merge(&mut self, count: i64, sum_ms: i64, hist: &Hist) {
        self.count += count;
        self.sum_ms += sum_ms;
        self.hist.merge(hist);
    }

    pub fn average_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ms as f64 / self.count as f64)
    }
}

/// A report's figures for one group (or the totals): every figure is a sum over the
/// same episodes, so groups add up to the totals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Episodes that started a conversation.
    pub conversations: i64,
    /// Episodes that reopened one.
    pub reopened: i64,
    pub missed: i64,
    pub resolved: i64,
    pub visitor_messages: i64,
    pub agent_messages: i64,
    pub bot_messages: i64,
    pub first_response: Durations,
    pub response: Durations,
    pub resolution: Durations,
    pub wait: Durations,
    /// Counts of ratings 1 to 5.
    pub ratings: [i64; RATINGS],
    pub comments: i64,
    /// Episodes with a visitor message that reads as negative (angry ones included),
    /// and with one that reads as angry.
    pub negative: i64,
    pub angry: i64,
    pub negative_messages: i64,
}

impl Figures {
    /// Adds an episode, with business-hours durations when `business_hours`; `now`
    /// decides whether an unanswered episode is missed yet.
    pub fn add(&mut self, f: &Fact, business_hours: bool, now: i64) {
        if f.episode == 0 {
            self.conversations += 1;
        } else {
            self.reopened += 1;
        }
        if is_missed(f, now) {
            self.missed += 1;
        }
        self.visitor_messages += f.visitor_messages;
        self.agent_messages += f.agent_messages;
        self.bot_messages += f.bot_messages;
        self.negative += i64::from(f.negative_messages > 0);
        self.angry += i64::from(f.angry_messages > 0);
        self.negative_messages += f.negative_messages;
        let pick = |wall: Option<i64>, bh: Option<i64>| if business_hours { bh } else { wall };
        if let Some(ms) = pick(f.first_response_ms, f.first_response_bh_ms) {
            self.first_response.add(ms);
        }
        if business_hours {
            self.response.merge(f.responses, f.response_bh_ms, &f.response_bh_bins);
        } else {
            self.response.merge(f.responses, f.response_ms, &f.response_bins);
        }
        if let Some(ms) = pick(f.resolution_ms, f.resolution_bh_ms) {
            self.resolved += 1;
            self.resolution.add(ms);
        }
        // Waiting is for a person: wall-clock time always.
        if let Some(ms) = f.wait_ms {
            self.wait.add(ms);
        }
        if let Some(r) = f.rating.filter(|r| (1..=RATINGS as i64).contains(r)) {
            self.ratings[r as usize - 1] += 1;
            if f.rating_comment {
                self.comments += 1;
            }
        }
    }

    pub fn episodes(&self) -> i64 {
        self.conversations + self.reopened
    }

    pub fn messages(&self) -> i64 {
        self.visitor_messages + self.agent_messages + self.bot_messages
    }

    pub fn rated(&self) -> i64 {
        self.ratings.iter().sum()
    }

    pub fn csat_average(&self) -> Option<f64> {
        let n = self.rated();
        (n > 0).then(|| self.ratings.iter().enumerate().map(|(i, c)| (i as i64 + 1) * c).sum::<i64>() as f64 / n as f64)
    }

    /// Rated episodes per resolved one.
    pub fn csat_response_rate(&self) -> Option<f64> {
        (self.resolved > 0).then(|| self.rated() as f64 / self.resolved as f64)
    }
}

/// Missed: the visitor wrote, and no person replied within `MISSED_AFTER_MS` (an
/// episode whose hour has not passed yet, and that is not resolved, is not missed yet).
pub fn is_missed(f: &Fact, now: i64) -> bool {
    let Some(asked) = f.first_visitor_at else { return false };
    match f.first_response_ms {
        Some(ms) => ms > MISSED_AFTER_MS,
        None => f.resolved_at.is_some() || now - asked > MISSED_AFTER_MS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interval, Weekday};

    const MIN: i64 = 60_000;

    fn conv(created_at: i64) -> Conversation {
        Conversation {
            created_at,
            status: ConversationStatus::Open,
            resolved_at: None,
            assignee_id: None,
            assigned_at: None,
            rating: None,
            rating_comment: false,
            rated_at: None,
        }
    }

    fn msg(at: i64, kind: SenderKind) -> Message {
        Message { at, kind, is_private: false, sender_id: (kind == SenderKind::Agent).then(|| "agt_a".into()), negative: false, angry: false }
    }

    #[test]
    fn the_histogram_keeps_every_quantile_within_one_percent() {
        let mut h = Hist::default();
        let values: Vec<i64> = (1..=5000).map(|i| i * i * 37 % 9_000_000 + 1).collect();
        for v in &values {
            h.add(*v);
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for q in [0.01, 0.25, 0.5, 0.9, 0.99, 1.0] {
            let exact = sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1] as f64;
            let got = h.quantile(q).unwrap();
            assert!((got - exact).abs() <= exact * 0.01 + 1e-9, "q {q}: {got} against {exact}");
        }
        assert_eq!(Hist::default().quantile(0.5), None);
        let mut zero = Hist::default();
        zero.add(0);
        assert_eq!(zero.quantile(0.5), Some(0.0));
    }

    #[test]
    fn responses_are_timed_from_the_oldest_unanswered_visitor_message_and_bots_and_notes_answer_nothing() {
        let t = 1_000 * MIN;
        let mut note = msg(t + 2 * MIN, SenderKind::Agent);
        note.is_private = true;
        let m = [
            msg(t, SenderKind::Visitor),
            msg(t + MIN, SenderKind::Bot),
            note,
            msg(t + 3 * MIN, SenderKind::Visitor),
            msg(t + 5 * MIN, SenderKind::Agent),
            msg(t + 6 * MIN, SenderKind::Agent),
            msg(t + 8 * MIN, SenderKind::Visitor),
            msg(t + 9 * MIN, SenderKind::Agent),
        ];
        let f = &episodes(&conv(t), &m, &[], None)[0];
        assert_eq!((f.visitor_messages, f.agent_messages, f.bot_messages), (3, 3, 1));
        assert_eq!(f.first_response_ms, Some(5 * MIN));
        assert_eq!((f.responses, f.response_ms), (2, 6 * MIN));
        assert_eq!(f.agent_id.as_deref(), Some("agt_a"));
        assert_eq!(f.wait_ms, Some(5 * MIN));
    }

    #[test]
    fn a_reopened_conversation_is_a_new_episode_measured_from_its_reopening() {
        let t = 1_000 * MIN;
        let mut c = conv(t);
        c.status = ConversationStatus::Resolved;
        c.resolved_at = Some(t + 60 * MIN);
        c.rating = Some(4);
        c.rated_at = Some(t + 61 * MIN);
        let m = [
            msg(t, SenderKind::Visitor),
            msg(t + 2 * MIN, SenderKind::Agent),
            // After the first resolution: the visitor reopens it.
            msg(t + 30 * MIN, SenderKind::Visitor),
            msg(t + 40 * MIN, SenderKind::Agent),
        ];
        let history = [Lifecycle::Resolved(t + 10 * MIN), Lifecycle::Resolved(t + 60 * MIN)];
        let eps = episodes(&c, &m, &history, None);
        assert_eq!(eps.len(), 2);
        assert_eq!((eps[0].started_at, eps[0].resolution_ms, eps[0].rating), (t, Some(10 * MIN), None));
        assert_eq!((eps[1].episode, eps[1].started_at, eps[1].first_response_ms), (1, t + 30 * MIN, Some(10 * MIN)));
        assert_eq!((eps[1].resolution_ms, eps[1].rating), (Some(30 * MIN), Some(4)));
        // Reopened by hand, with nothing said yet: an episode without messages.
        let history = [Lifecycle::Resolved(t + 10 * MIN), Lifecycle::Reopened(t + 20 * MIN)];
        let mut c = conv(t);
        c.assignee_id = Some("agt_b".into());
        let eps = episodes(&c, &m[..2], &history, None);
        assert_eq!(eps.len(), 2);
        assert_eq!((eps[1].started_at, eps[1].visitor_messages, eps[1].agent_id.as_deref()), (t + 20 * MIN, 0, Some("agt_b")));
    }

    #[test]
    fn business_hours_leave_out_the_night_and_holidays() {
        // Open 09:00-17:00 on Mondays and Tuesdays in Oslo; a question at Monday 16:30
        // answered on Tuesday 09:15 waited 45 minutes of business time.
        let hours = BusinessHours {
            time_zone: "Europe/Oslo".into(),
            intervals: [Weekday::Monday, Weekday::Tuesday].into_iter().map(|day| Interval { day, open: "09:00".into(), close: "17:00".into() }).collect(),
            holidays: vec![],
        };
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        // 2026-12-07 is a Monday; Oslo is UTC+1 in winter.
        let (asked, answered) = (at("2026-12-07T15:30:00Z"), at("2026-12-08T08:15:00Z"));
        assert_eq!(hours.open_time_between(asked, answered), 45 * MIN);
        let m = [msg(asked, SenderKind::Visitor), msg(answered, SenderKind::Agent)];
        let f = &episodes(&conv(asked), &m, &[], Some(&hours))[0];
        assert_eq!((f.first_response_ms, f.first_response_bh_ms), (Some(answered - asked), Some(45 * MIN)));
        let mut holiday = hours.clone();
        holiday.holidays = vec!["2026-12-08".parse().unwrap()];
        assert_eq!(holiday.open_time_between(asked, answered), 30 * MIN);
    }

    #[test]
    fn figures_add_up_as_the_docs_work_them_out() {
        // docs/analytics.md: resolutions rated 5, 4 and 2 out of 4 resolved episodes.
        let t = 1_000 * MIN;
        let mut figures = Figures::default();
        for (i, rating) in [Some(5), Some(4), Some(2), None].into_iter().enumerate() {
            let at = t + i as i64 * 100 * MIN;
            let mut c = conv(at);
            c.status = ConversationStatus::Resolved;
            c.resolved_at = Some(at + 10 * MIN);
            c.rating = rating;
            c.rated_at = rating.map(|_| at + 11 * MIN);
            c.rating_comment = rating == Some(2);
            let m = [msg(at, SenderKind::Visitor), msg(at + (i as i64 + 1) * MIN, SenderKind::Agent)];
            for f in episodes(&c, &m, &[], None) {
                figures.add(&f, false, at + 1000 * MIN);
            }
        }
        assert_eq!((figures.conversations, figures.reopened, figures.resolved, figures.missed), (4, 0, 4, 0));
        assert_eq!(figures.ratings, [0, 1, 0, 1, 1]);
        assert_eq!(figures.comments, 1);
        assert!((figures.csat_average().unwrap() - 11.0 / 3.0).abs() < 1e-9);
        assert_eq!(figures.csat_response_rate(), Some(0.75));
        // First responses 1, 2, 3 and 4 minutes: average 2.5, nearest-rank median 2, p90 4.
        assert_eq!(figures.first_response.average_ms(), Some(2.5 * MIN as f64));
        let near = |got: Option<f64>, want: i64| (got.unwrap() - want as f64).abs() <= want as f64 * 0.01;
        assert!(near(figures.first_response.hist.quantile(0.5), 2 * MIN));
        assert!(near(figures.first_response.hist.quantile(0.9), 4 * MIN));
        assert_eq!((figures.messages(), figures.episodes()), (8, 4));
    }

    #[test]
    fn missed_means_no_reply_within_the_hour() {
        let t = 1_000 * MIN;
        let f = &episodes(&conv(t), &[msg(t, SenderKind::Visitor)], &[], None)[0];
        assert!(!is_missed(f, t + 59 * MIN));
        assert!(is_missed(f, t + 61 * MIN));
        let late = &episodes(&conv(t), &[msg(t, SenderKind::Visitor), msg(t + 61 * MIN, SenderKind::Agent)], &[], None)[0];
        assert!(is_missed(late, t + 61 * MIN));
        let quiet = &episodes(&conv(t), &[], &[], None)[0];
        assert!(!is_missed(quiet, t + 600 * MIN));
    }
}
