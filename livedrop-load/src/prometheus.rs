//! [`Metrics`]: one scrape of the server's `GET /metrics`, parsed from the Prometheus text
//! format here (a few dozen lines) rather than with a client crate the workspace lacks.

use livedrop_client::Url;

use crate::Error;

/// One sample line: `name{label="value",...} value [timestamp]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Metric name (with its `_sum` / `_count` / `_bucket` suffix, as written).
    pub name: String,
    /// Labels in the order written.
    pub labels: Vec<(String, String)>,
    /// The value (`NaN` and `±Inf` included).
    pub value: f64,
}

/// The samples of one scrape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    samples: Vec<Sample>,
}

impl Metrics {
    /// Parses exposition text; comment lines and lines that do not parse are skipped, so
    /// one odd line never hides the rest.
    pub fn parse(text: &str) -> Self {
        let samples = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(parse_line)
            .collect();
        Self { samples }
    }

    /// `GET {base}metrics` with `http`, parsed. Metrics are never rate limited, so this
    /// is safe to poll.
    pub async fn scrape(http: &reqwest::Client, base: &Url) -> Result<Self, Error> {
        let url = base.join("metrics")?;
        let text = http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        Ok(Self::parse(&text))
    }

    /// Every sample, in the order written (for a histogram's buckets).
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// The sum of `name`'s samples whose labels include every `(label, value)` of
    /// `matching`; `None` when there is no such sample (the metric is absent, which is
    /// not the same as zero).
    pub fn sum(&self, name: &str, matching: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .filter(|sample| sample.name == name)
            .filter(|sample| {
                matching.iter().all(|(label, value)| {
                    sample.labels.iter().any(|(l, v)| l == label && v == value)
                })
            })
            .map(|sample| sample.value)
            .reduce(|a, b| a + b)
    }
}

fn parse_line(line: &str) -> Option<Sample> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let (name, mut rest) = line.split_at(name_end);
    let mut labels = Vec::new();
    if let Some(inside) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(inside)?;
        labels = parsed;
        rest = after;
    }
    let value = rest.split_whitespace().next()?.parse().ok()?;
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// `a="x",b="y\"z"}` → the labels and what follows the `}`. Values may hold escaped
/// quotes, backslashes and newlines, and commas or braces inside quotes.
fn parse_labels(mut text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if let Some(after) = text.strip_prefix('}') {
            return Some((labels, after));
        }
        let (label, after_eq) = text.split_once('=')?;
        let mut chars = after_eq.strip_prefix('"')?.char_indices();
        let mut value = String::new();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (_, c) => value.push(c),
            }
        };
        labels.push((label.trim().to_owned(), value));
        // `end` indexes the closing quote inside `after_eq` minus its opening quote.
        text = after_eq.get(end + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
# HELP livedrop_consumer_lag lag
# TYPE livedrop_consumer_lag gauge
livedrop_consumer_lag{group="livedrop-notifications"} 3
livedrop_consumer_lag{group="livedrop-cache"} 2
livedrop_event_delivery_seconds_bucket{group="livedrop-notifications",le="0.005"} 4
livedrop_event_delivery_seconds_bucket{group="livedrop-notifications",le="+Inf"} 5
livedrop_event_delivery_seconds_sum{group="livedrop-notifications"} 0.0125
livedrop_event_delivery_seconds_count{group="livedrop-notifications"} 5
livedrop_event_delivery_seconds_count{group="livedrop-cache"} 9
odd_labels{path="/a,b}",quote="say \"hi\"\\"} 1.5 1700000000000
livedrop_sse_connections 60
this line is not a sample
"#;

    #[test]
    fn sums_filter_by_labels_and_absent_is_none() {
        let metrics = Metrics::parse(TEXT);
        assert_eq!(metrics.sum("livedrop_consumer_lag", &[]), Some(5.0));
        let notifications = [("group", "livedrop-notifications")];
        assert_eq!(
            metrics.sum("livedrop_event_delivery_seconds_count", &notifications),
            Some(5.0)
        );
        assert_eq!(
            metrics.sum("livedrop_event_delivery_seconds_sum", &notifications),
            Some(0.0125)
        );
        assert_eq!(
            metrics.sum("livedrop_event_delivery_seconds_bucket", &[("le", "+Inf")]),
            Some(5.0)
        );
        assert_eq!(metrics.sum("livedrop_sse_connections", &[]), Some(60.0));
        assert_eq!(metrics.sum("livedrop_outbox_pending", &[]), None);
        assert_eq!(
            metrics.sum("livedrop_consumer_lag", &[("group", "x")]),
            None
        );
    }

    #[test]
    fn quoted_values_keep_commas_braces_and_escapes() {
        let metrics = Metrics::parse(TEXT);
        let odd = metrics
            .samples
            .iter()
            .find(|s| s.name == "odd_labels")
            .unwrap();
        assert_eq!(
            odd.labels,
            vec![
                ("path".to_owned(), "/a,b}".to_owned()),
                ("quote".to_owned(), "say \"hi\"\\".to_owned()),
            ]
        );
        assert_eq!(odd.value, 1.5);
    }
}
