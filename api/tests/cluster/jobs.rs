//! Durable jobs across real processes on a private PostgreSQL: a job whose node is
//! killed mid-run is taken over by another node once its lease expires and runs to
//! completion once; a node stopped with SIGTERM gives its running job back at once.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use crate::nodes::{redis_url, Cluster, Node, PrivatePostgres};

const INVITE: &str = "mutation($e: String!) { inviteAgent(input: {email: $e, role: AGENT}) { id } }";
const JOBS: &str = "{ jobs { edges { node { id state attempts } } } }";

async fn metric(node: &Node, name: &str) -> String {
    let text = node.http.get(format!("{}/metrics", node.base)).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix(&format!("{name} ")).map(str::to_owned)).unwrap_or_default()
}

#[tokio::test]
async fn a_job_whose_node_is_killed_mid_run_is_taken_over_and_completes_once() {
    let pg = PrivatePostgres::start();
    let cluster = Cluster::with(pg.url(), redis_url(), None);
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let env = [("CHINWAG_SMTP_URL", url.as_str()), ("CHINWAG_JOB_LEASE_MS", "1000")];
    let mut a = cluster.node_with(&env).await;
    let owner = a.sign_up("Ann").await;

    // Node A holds the email mid-delivery: the SMTP server never answers its data.
    sink.set_mode(SmtpMode::Stall);
    a.ok(Some(&owner.token), INVITE, json!({ "e": "bo@team.test" })).await;
    sink.wait_stalled(1).await;
    let b = cluster.node_with(&env).await;
    sink.set_mode(SmtpMode::Accept);
    a.kill();

    // B takes the job back after A's lease lapses, and sends it.
    sink.wait_for("bo@team.test").await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let d = b.ok(Some(&owner.token), JOBS, json!({})).await;
        if d["jobs"]["edges"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the job was never completed: {d}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(metric(&b, "chinwag_jobs_taken_over_total").await, "1", "{}", b.log());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.count(), 1, "delivered once");
}

#[tokio::test]
async fn sigterm_gives_a_running_job_back_for_the_next_node_at_once() {
    let pg = PrivatePostgres::start();
    let cluster = Cluster::with(pg.url(), redis_url(), None);
    let sink = SmtpSink::start().await;
    let url = sink.url();
    // Leases long enough that only giving the job back lets B run it within the test.
    let env = [("CHINWAG_SMTP_URL", url.as_str()), ("CHINWAG_JOB_LEASE_MS", "120000"), ("CHINWAG_JOB_SHUTDOWN_GRACE_MS", "300")];
    let mut a = cluster.node_with(&env).await;
    let owner = a.sign_up("Ann").await;
    sink.set_mode(SmtpMode::Stall);
    a.ok(Some(&owner.token), INVITE, json!({ "e": "cy@team.test" })).await;
    sink.wait_stalled(1).await;
    a.terminate();
    assert!(a.exited().await.success(), "{}", a.log());
    assert!(a.log().contains("given back unfinished"), "{}", a.log());

    sink.set_mode(SmtpMode::Accept);
    let b = cluster.node_with(&env).await;
    sink.wait_for("cy@team.test").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.count(), 1);
    let d = b.ok(Some(&owner.token), JOBS, json!({})).await;
    assert!(d["jobs"]["edges"].as_array().unwrap().is_empty(), "{d}");
}
