//! Durable jobs: the outbox commits with its change, retries follow the schedule on an
//! injected clock, dead letters are kept and retried, and an email survives a restart
//! between its commit and its send. (Nodes killed mid-run: the cluster suite.)

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use chinwag::domain::{JobState, Role};
use chinwag::jobs::{ManualClock, NewJob};

use crate::helpers::*;

const INVITE: &str = "mutation($e: String!) { inviteAgent(input: {email: $e, role: AGENT}) { id } }";

async fn with_smtp_and_clock(policy: &str) -> (TestApp, SmtpSink, Arc<ManualClock>) {
    let sink = SmtpSink::start().await;
    let (url, policy) = (sink.url(), policy.to_owned());
    let clock = ManualClock::starting_now();
    let app = spawn_app_with_clock(
        move |s| {
            s.smtp_url = Some(url);
            s.jobs.job_policy = policy;
        },
        clock.clone(),
    )
    .await;
    (app, sink, clock)
}

/// Waits until the store's jobs satisfy `ok`.
async fn wait_jobs(app: &TestApp, what: &str, ok: impl Fn(&[chinwag::jobs::JobRow]) -> bool) -> Vec<chinwag::jobs::JobRow> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let jobs = app.jobs().await;
        if ok(&jobs) {
            return jobs;
        }
        assert!(tokio::time::Instant::now() < deadline, "jobs never {what}: {jobs:#?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn retries_follow_the_backoff_on_the_injected_clock_then_a_dead_letter_waits_for_retry_job() {
    let (app, sink, clock) = with_smtp_and_clock("email:attempts=3,base=10m,max=1h").await;
    let owner = app.sign_up("Ann").await;
    sink.set_mode(SmtpMode::Defer);
    let sent_at = app.app.jobs.now();
    app.ok(Some(&owner.token), INVITE, json!({ "e": "bo@team.test" })).await;

    // The first run fails (451): due again in 5 to 10 minutes (half fixed, half jitter).
    let jobs = wait_jobs(&app, "retried once", |j| j.len() == 1 && j[0].attempts == 1 && j[0].state == JobState::Pending).await;
    let wait = jobs[0].run_at - sent_at;
    assert!((5 * 60_000..=10 * 60_000 + 1000).contains(&wait), "first retry in {wait} ms");
    assert!(jobs[0].last_error.as_deref().unwrap_or("").contains("451"), "{:?}", jobs[0].last_error);
    // Real time passing changes nothing: the job waits for the clock.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.app.jobs.wake();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.jobs().await[0].attempts, 1, "not run before its time");

    // Second run: due in 10 to 20 minutes after it.
    clock.advance(Duration::from_secs(10 * 60));
    app.app.jobs.wake();
    let jobs = wait_jobs(&app, "retried twice", |j| j[0].attempts == 2 && j[0].state == JobState::Pending).await;
    let wait = jobs[0].run_at - app.app.jobs.now();
    assert!((10 * 60_000 - 1000..=20 * 60_000).contains(&wait), "second retry in {wait} ms");

    // The third and last run fails: a dead letter, kept.
    clock.advance(Duration::from_secs(20 * 60));
    app.app.jobs.wake();
    wait_jobs(&app, "dead", |j| j[0].state == JobState::Dead && j[0].attempts == 3).await;
    assert_eq!(sink.count(), 0);

    // The owner sees it, without its payload (the invite link), and retries it.
    let list = "query($s: JobState) { jobs(state: $s) { edges { node { id kind state attempts lastError } } pageInfo { hasNextPage } } }";
    let d = app.ok(Some(&owner.token), list, json!({ "s": "DEAD" })).await;
    let node = &d["jobs"]["edges"][0]["node"];
    assert_eq!((node["kind"].as_str(), node["state"].as_str(), node["attempts"].as_i64()), (Some("email"), Some("DEAD"), Some(3)));
    assert!(node["lastError"].as_str().unwrap().contains("451"));
    let metrics = app.http.get(app.url.replace("/graphql", "/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("chinwag_jobs{kind=\"email\",state=\"dead\"} 1"), "{metrics}");
    assert!(metrics.contains("chinwag_jobs_retried_total 2") && metrics.contains("chinwag_jobs_dead_total 1"), "{metrics}");

    sink.set_mode(SmtpMode::Accept);
    let retry = "mutation($id: ID!) { retryJob(id: $id) { state attempts } }";
    let d = app.ok(Some(&owner.token), retry, json!({ "id": node["id"] })).await;
    assert_eq!((d["retryJob"]["state"].as_str(), d["retryJob"]["attempts"].as_i64()), (Some("PENDING"), Some(0)));
    sink.wait_for("bo@team.test").await;
    wait_jobs(&app, "gone once sent", |j| j.is_empty()).await;
    assert_eq!(app.err(Some(&owner.token), retry, json!({ "id": node["id"] })).await, "NOT_FOUND", "only a dead job can be retried");
}

#[tokio::test]
async fn a_permanent_refusal_is_not_retried() {
    let (app, _sink, _clock) = with_smtp_and_clock("").await;
    let site_owner = app.sign_up("Ann").await;
    // A recipient lettre cannot even address is permanent at once.
    let org = app.app.keys.verify(&site_owner.token).unwrap().org;
    let job = NewJob {
        kind: chinwag::app::EMAIL,
        key: None,
        org_id: Some(org),
        payload: json!({ "to": "not an address", "subject": "s", "text": "t" }).to_string(),
        run_at: app.app.jobs.now(),
    };
    app.app.jobs.enqueue(&[job]).await.unwrap();
    let jobs = wait_jobs(&app, "dead", |j| j.len() == 1 && j[0].state == JobState::Dead).await;
    assert_eq!(jobs[0].attempts, 1);
}

#[tokio::test]
async fn the_outbox_row_and_its_change_commit_or_roll_back_together() {
    let app = spawn_app_with(|s| s.jobs.job_workers = false).await;
    let owner = app.sign_up("Ann").await;
    let me = app.app.keys.verify(&owner.token).unwrap();
    let store = &app.app.store;
    let job = |org: &str| NewJob { kind: "email", key: None, org_id: Some(org.to_owned()), payload: "{}".into(), run_at: 0 };

    // The job's insert fails (an organization that does not exist): the invite written
    // before it in the same transaction is rolled back too.
    let r = store.create_invite(&me.org, "a@team.test", Role::Agent, "hash-a", &me.sub, 60_000, |_| vec![job("org_nope")]).await;
    assert!(r.is_err());
    // The change fails: its job is not written either.
    let r = store.create_invite("org_nope", "b@team.test", Role::Agent, "hash-b", &me.sub, 60_000, |_| vec![job(&me.org)]).await;
    assert!(r.is_err());
    assert!(store.pending_invites(&me.org).await.unwrap().is_empty(), "no invite committed without its job");
    assert!(app.jobs().await.is_empty(), "no job committed without its change");

    // Both commit together.
    store.create_invite(&me.org, "c@team.test", Role::Agent, "hash-c", &me.sub, 60_000, |_| vec![job(&me.org)]).await.unwrap();
    assert_eq!((store.pending_invites(&me.org).await.unwrap().len(), app.jobs().await.len()), (1, 1));
}

#[tokio::test]
async fn an_email_survives_a_restart_between_commit_and_send() {
    // A node that commits the invite but runs no workers: the email is in the outbox
    // table only, and the node stops.
    let app = spawn_app_with(|s| s.jobs.job_workers = false).await;
    let owner = app.sign_up("Ann").await;
    app.ok(Some(&owner.token), INVITE, json!({ "e": "cy@team.test" })).await;
    let start = "mutation { startConversation(input: {body: \"Call me\", offline: true}) { id } }";
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor_with(&site, json!({ "email": "vi@example.test" })).await;
    let conv = app.ok(Some(&v.token), start, json!({})).await["startConversation"]["id"].as_str().unwrap().to_owned();
    app.send(&owner.token, &conv, "We will call at 3").await;
    assert_eq!(app.jobs().await.len(), 2, "the invite's email and the offline reply");

    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = app
        .restart(move |s| {
            s.jobs.job_workers = true;
            s.smtp_url = Some(url);
        })
        .await;
    sink.wait_for("cy@team.test").await;
    // The reply's job ran: the typed address gets its confirmation link first.
    sink.wait_for("replied to your message").await;
    wait_jobs(&app, "done", |j| j.is_empty()).await;
    assert_eq!(sink.count(), 2);
}

#[tokio::test]
async fn a_stopping_server_gives_a_running_job_back_and_the_next_one_sends_it_once() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.jobs.job_shutdown_grace_ms = 200;
    })
    .await;
    let owner = app.sign_up("Ann").await;
    sink.set_mode(SmtpMode::Stall);
    app.ok(Some(&owner.token), INVITE, json!({ "e": "di@team.test" })).await;
    sink.wait_stalled(1).await;
    assert_eq!(app.jobs().await[0].state, JobState::Running);

    sink.set_mode(SmtpMode::Accept);
    let app = app.restart(|_| {}).await;
    sink.wait_for("di@team.test").await;
    wait_jobs(&app, "done", |j| j.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 1, "sent once");
}

#[tokio::test]
async fn a_scheduled_job_is_replaced_by_key_and_cancelled() {
    let app = spawn_app_with(|s| s.jobs.job_workers = false).await;
    let jobs = &app.app.jobs;
    let at = jobs.now() + 60_000;
    jobs.schedule(jobs.job_at("email", None, &json!({ "n": 1 }), at), "offer:conv_1").await.unwrap();
    jobs.schedule(jobs.job_at("email", None, &json!({ "n": 2 }), at + 5000), "offer:conv_1").await.unwrap();
    let rows = app.jobs().await;
    assert_eq!(rows.len(), 1, "replaced, not added");
    assert_eq!((rows[0].payload.as_str(), rows[0].run_at), ("{\"n\":2}", at + 5000));
    assert!(jobs.cancel("email", "offer:conv_1").await.unwrap());
    assert!(!jobs.cancel("email", "offer:conv_1").await.unwrap());
    assert!(app.jobs().await.is_empty());
}

#[tokio::test]
async fn jobs_are_for_owners_and_admins_of_their_own_organization() {
    let (app, sink, _clock) = with_smtp_and_clock("email:attempts=1").await;
    sink.set_mode(SmtpMode::Defer);
    let owner = app.sign_up("Ann").await;
    app.ok(Some(&owner.token), INVITE, json!({ "e": "eve@team.test" })).await;
    let dead = wait_jobs(&app, "dead", |j| j.len() == 1 && j[0].state == JobState::Dead).await;
    let other = app.sign_up("Olga").await;
    let agent = app.add_agent(&owner, "Al", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let visitor = app.visitor(&site).await;
    let list = "{ jobs { edges { node { id } } } }";
    let retry = "mutation($id: ID!) { retryJob(id: $id) { id } }";
    for token in [&agent.token, &visitor.token] {
        assert_eq!(app.err(Some(token), list, json!({})).await, "FORBIDDEN");
        assert_eq!(app.err(Some(token), retry, json!({ "id": dead[0].id })).await, "FORBIDDEN");
    }
    assert_eq!(app.err(None, list, json!({})).await, "UNAUTHENTICATED");
    let d = app.ok(Some(&other.token), list, json!({})).await;
    assert_eq!(d["jobs"]["edges"].as_array().unwrap().len(), 0, "another organization's jobs are not listed");
    assert_eq!(app.err(Some(&other.token), retry, json!({ "id": dead[0].id })).await, "NOT_FOUND");
    let first = app.jobs().await.into_iter().find(|j| j.id == dead[0].id).expect("still there");
    assert_eq!((first.state, first.attempts), (JobState::Dead, 1), "nothing changed");
    assert_eq!(app.err(Some(&owner.token), "{ jobs(first: 101) { edges { cursor } } }", json!({})).await, "BAD_USER_INPUT");
    assert_eq!(app.err(Some(&owner.token), "{ jobs(after: \"%%%\") { edges { cursor } } }", json!({})).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn operators_list_and_retry_dead_jobs_of_every_organization_from_the_command_line() {
    let (mut app, sink, _clock) = with_smtp_and_clock("email:attempts=1").await;
    sink.set_mode(SmtpMode::Defer);
    let owner = app.sign_up("Ann").await;
    app.ok(Some(&owner.token), INVITE, json!({ "e": "fay@team.test" })).await;
    let dead = wait_jobs(&app, "dead", |j| j.len() == 1 && j[0].state == JobState::Dead).await;
    let settings = app.app.settings.clone();
    app.stop_server().await;

    let chinwag = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chinwag"));
        cmd.args(args).arg("--data-dir").arg(&settings.data_dir).env("RUST_LOG", "warn");
        if let Some(url) = &settings.database_url {
            cmd.env("DATABASE_URL", url);
        }
        let out = cmd.output().expect("chinwag runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let listed = chinwag(&["jobs", "list", "--state", "dead"]);
    let line = listed.lines().find(|l| l.starts_with(&dead[0].id)).unwrap_or_else(|| panic!("{listed}"));
    assert!(line.contains("\temail\tdead\t1\t") && line.contains("451"), "{line}");
    assert!(chinwag(&["jobs", "retry", &dead[0].id]).contains("is due now"));
    assert!(chinwag(&["jobs", "list", "--state", "dead"]).trim().is_empty());

    sink.set_mode(SmtpMode::Accept);
    let app = app.restart(|_| {}).await;
    sink.wait_for("fay@team.test").await;
    wait_jobs(&app, "done", |j| j.is_empty()).await;
}

/// A worker's batched completion and another worker's heartbeat touch the same jobs at
/// once, in different orders (the completion one lease token after another, the heartbeat
/// in one statement over the table). PostgreSQL detected deadlocks between them (40P01)
/// in the cluster bench; both now lock the rows in id order, so neither ever fails.
#[tokio::test]
async fn completions_and_heartbeats_on_the_same_jobs_never_deadlock() {
    let app = spawn_app_with(|s| s.jobs.job_workers = false).await;
    let store = app.app.store.clone();
    for round in 0..30 {
        // Two kinds written alternately, so their rows interleave in the table.
        let jobs: Vec<NewJob> =
            (0..60).map(|i| NewJob { kind: if i % 2 == 0 { "test-a" } else { "test-b" }, key: None, org_id: None, payload: "{}".into(), run_at: 0 }).collect();
        store.enqueue_jobs(&jobs, 0).await.unwrap();
        let (ta, tb) = (format!("lease-a-{round}"), format!("lease-b-{round}"));
        let a: Vec<String> = store.lease_jobs("test-a", 100, &ta, 1, i64::MAX).await.unwrap().into_iter().map(|j| j.id).collect();
        let b: Vec<String> = store.lease_jobs("test-b", 100, &tb, 1, i64::MAX).await.unwrap().into_iter().map(|j| j.id).collect();
        assert_eq!((a.len(), b.len()), (30, 30));
        let (s1, s2) = (store.clone(), store.clone());
        let (ta2, tb2) = (ta.clone(), tb.clone());
        // The heartbeat beats all the while the completion runs (B's rows, then A's).
        let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let beating = finished.clone();
        let beat = tokio::spawn(async move {
            while !beating.load(std::sync::atomic::Ordering::Relaxed) {
                s2.extend_job_leases(&[&ta, &tb], i64::MAX - 1).await?;
            }
            Ok::<_, chinwag::store::StoreError>(())
        });
        tokio::time::sleep(Duration::from_millis(2)).await;
        let done = [(tb2.as_str(), b.iter().map(String::as_str).collect()), (ta2.as_str(), a.iter().map(String::as_str).collect())];
        let done = s1.complete_jobs(&done).await;
        finished.store(true, std::sync::atomic::Ordering::Relaxed);
        let beat = beat.await.unwrap();
        assert_eq!(done.map_err(|e| format!("{e:?}")), Ok(60), "round {round}");
        assert!(beat.is_ok(), "round {round}: {beat:?}");
    }
}
