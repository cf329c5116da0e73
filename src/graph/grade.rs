//! Independence grading of a fallback: how much of the primary's failure domain it shares.
//! The semantics are the project's (README, "Fallback independence"); the first match wins.

use serde::Serialize;

use super::{Deployment, Graph};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grade {
    // ordered from least to most independent
    SameOperator,
    RegionOnly,
    SharedAggregator,
    SharedFamily,
    SharedCloud,
    Unknown,
    Independent,
}

impl Grade {
    pub fn name(self) -> &'static str {
        match self {
            Grade::SameOperator => "same-operator",
            Grade::RegionOnly => "region-only",
            Grade::SharedAggregator => "shared-aggregator",
            Grade::SharedFamily => "shared-family",
            Grade::SharedCloud => "shared-cloud",
            Grade::Unknown => "unknown",
            Grade::Independent => "independent",
        }
    }

    pub fn from_name(s: &str) -> Option<Grade> {
        [
            Grade::SameOperator,
            Grade::RegionOnly,
            Grade::SharedAggregator,
            Grade::SharedFamily,
            Grade::SharedCloud,
            Grade::Unknown,
            Grade::Independent,
        ]
        .into_iter()
        .find(|g| g.name() == s)
    }
}

const HYPERSCALERS: &[&str] = &["aws", "azure", "gcp"];

/// Grades one primary deployment against one fallback deployment.
pub fn grade(p: &Deployment, f: &Deployment) -> (Grade, String) {
    let (Some(po), Some(fo)) = (&p.operator, &f.operator) else {
        let why = p
            .unknown
            .as_deref()
            .or(f.unknown.as_deref())
            .unwrap_or_default();
        return (Grade::Unknown, format!("cannot tell: {why}"));
    };
    if f.aggregator {
        return (
            Grade::SharedAggregator,
            format!("the fallback goes through the aggregator {fo}"),
        );
    }
    let same_lab = matches!((&p.lab, &f.lab), (Some(a), Some(b)) if a == b);
    let labs_known = p.lab.is_some() && f.lab.is_some();
    if po == fo {
        if same_lab || !labs_known {
            return match (&p.region, &f.region) {
                (Some(a), Some(b)) if a != b => (
                    Grade::RegionOnly,
                    format!("same operator ({po}), only the region differs ({a} → {b})"),
                ),
                _ => (Grade::SameOperator, format!("both go through {po}")),
            };
        }
        return match &p.cloud {
            Some(c) if HYPERSCALERS.contains(&&**c) => (
                Grade::SharedCloud,
                format!("different model families, but both run on {c} ({po})"),
            ),
            _ => (
                Grade::SameOperator,
                format!("different model families, but both go through {po}"),
            ),
        };
    }
    if !labs_known {
        return (
            Grade::Unknown,
            "cannot tell which model family one side serves".to_string(),
        );
    }
    if same_lab {
        let lab = p.lab.as_deref().unwrap_or_default();
        return (
            Grade::SharedFamily,
            format!("both serve {lab} models ({po} → {fo})"),
        );
    }
    if let (Some(a), Some(b)) = (&p.cloud, &f.cloud) {
        if a == b {
            return (Grade::SharedCloud, format!("both run on {a} ({po} → {fo})"));
        }
    }
    (
        Grade::Independent,
        format!("{po} and {fo} share no operator, model family or cloud"),
    )
}

/// Grades a set of primary deployments against a set of fallback deployments: the weakest pair
/// decides, because traffic may land on any of them. An empty side is unknown.
pub fn grade_sets(g: &Graph, primary: &[usize], fallback: &[usize]) -> (Grade, String) {
    if primary.is_empty() || fallback.is_empty() {
        return (Grade::Unknown, "one side has no deployment".to_string());
    }
    let mut worst: Option<(Grade, String)> = None;
    for &p in primary {
        for &f in fallback {
            let r = grade(&g.deployments[p], &g.deployments[f]);
            if worst.as_ref().is_none_or(|w| r.0 < w.0) {
                worst = Some(r);
            }
        }
    }
    worst.unwrap_or((Grade::Unknown, String::new()))
}
