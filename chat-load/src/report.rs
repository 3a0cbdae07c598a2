//! Results: percentiles from an HdrHistogram, a human summary and one JSON line per run.

use hdrhistogram::Histogram;
use serde_json::{Map, Value};

/// Latencies in microseconds, 1 µs to 60 s at 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds")
}

/// One run's figures.
#[derive(Debug, Clone, Default)]
pub struct Report {
    fields: Map<String, Value>,
}

impl Report {
    /// A report for a scenario.
    pub fn new(scenario: &str) -> Self {
        let mut report = Self::default();
        report.set("scenario", scenario);
        report
    }

    /// Records a figure.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.fields.insert(key.to_owned(), value.into());
        self
    }

    /// Records p50, p95, p99 and max of a histogram, in milliseconds, under `prefix`.
    pub fn latencies(&mut self, prefix: &str, histogram: &Histogram<u64>) -> &mut Self {
        for (name, quantile) in [("p50", 0.50), ("p95", 0.95), ("p99", 0.99)] {
            self.set(
                &format!("{prefix}_{name}_ms"),
                ms(histogram.value_at_quantile(quantile)),
            );
        }
        self.set(&format!("{prefix}_max_ms"), ms(histogram.max()));
        self.set(&format!("{prefix}_samples"), histogram.len())
    }

    /// A figure, if recorded.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }

    /// The one-line JSON form.
    pub fn json(&self) -> String {
        Value::Object(self.fields.clone()).to_string()
    }

    /// A readable summary.
    pub fn summary(&self) -> String {
        self.fields
            .iter()
            .map(|(k, v)| format!("  {k:<28} {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Report {
    /// Ours beside the reference's: every number of both as `ours_<key>` and
    /// `reference_<key>`, with `ratio_<key>` (ours / the reference's) where both have it.
    pub fn compare(ours: &Self, reference: &Self) -> Self {
        Self::beside(("ours", ours), ("reference", reference))
    }

    /// Two runs of a scenario side by side: every number of both as `<first name>_<key>` and
    /// `<second name>_<key>`, with `ratio_<key>` (first / second) where both have it.
    pub fn beside(first: (&str, &Self), second: (&str, &Self)) -> Self {
        let ((name, ours), (other, theirs)) = (first, second);
        let mut report = Self::new("compare");
        if let Some(scenario) = ours.get("scenario") {
            report.set("compared", scenario.clone());
        }
        for (key, value) in &ours.fields {
            let Some(number) = value.as_f64().filter(|_| value.is_number()) else {
                continue;
            };
            report.set(&format!("{name}_{key}"), value.clone());
            if let Some(their) = theirs.get(key).and_then(Value::as_f64) {
                report.set(&format!("{other}_{key}"), theirs.fields[key].clone());
                if their != 0.0 {
                    let ratio = (number / their * 1000.0).round() / 1000.0;
                    report.set(&format!("ratio_{key}"), ratio);
                }
            }
        }
        report
    }
}

fn ms(us: u64) -> f64 {
    (us as f64 / 1000.0 * 1000.0).round() / 1000.0
}
