//! The load generator's smoke run, so it cannot rot: every scenario for seconds with
//! small numbers against a spawned dev-profile server. It fails when anything was lost
//! or duplicated. The real runs are in docs/benchmarks.md, not timed tests.

#[test]
fn every_scenario_runs_briefly_with_nothing_lost_or_duplicated() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chinwag-bench")).args(["smoke"]).output().expect("run chinwag-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "smoke run failed:\n{stdout}\n{stderr}");
    for scenario in ["latency", "fanout", "durability", "connections", "cold start"] {
        assert!(stdout.contains(&format!("== {scenario}")), "missing {scenario} in:\n{stdout}");
    }
}
