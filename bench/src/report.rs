//! Results: a human table, or JSON with the git revision, the machine's cores and the
//! parameters, so a figure can be traced to the run that produced it.

use serde::Serialize;
use serde_json::{json, Value};

#[derive(Serialize, Default)]
pub struct Report {
    pub scenario: String,
    pub params: Value,
    /// (name, value, unit), in the order they are printed.
    pub figures: Vec<(String, f64, String)>,
    pub notes: Vec<String>,
    /// Sub-reports (smoke runs several scenarios).
    pub parts: Vec<Report>,
}

impl Report {
    pub fn new(scenario: &str, params: Value) -> Report {
        Report { scenario: scenario.into(), params, ..Default::default() }
    }

    pub fn figure(&mut self, name: &str, value: f64, unit: &str) {
        self.figures.push((name.into(), value, unit.into()));
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.figures.iter().find(|f| f.0 == name).map(|f| f.1)
    }

    pub fn print(&self, as_json: bool) {
        if as_json {
            let v = json!({
                "revision": revision(),
                "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
                "report": self,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap());
        } else {
            self.print_table(0);
        }
    }

    fn print_table(&self, indent: usize) {
        let pad = " ".repeat(indent);
        println!("{pad}== {}  {}", self.scenario, self.params);
        for (name, value, unit) in &self.figures {
            let v = if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value:.3}") };
            println!("{pad}  {name:<42} {v:>14} {unit}");
        }
        for n in &self.notes {
            println!("{pad}  note: {n}");
        }
        for p in &self.parts {
            p.print_table(indent + 2);
        }
    }
}

fn revision() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Percentiles of a set of samples (sorted in place), in the samples' unit.
pub fn percentiles(samples: &mut [f64], report: &mut Report, prefix: &str, unit: &str) {
    if samples.is_empty() {
        report.notes.push(format!("{prefix}: no samples"));
        return;
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)] {
        report.figure(&format!("{prefix} {name}"), at(q), unit);
    }
    report.figure(&format!("{prefix} max"), samples[samples.len() - 1], unit);
}
