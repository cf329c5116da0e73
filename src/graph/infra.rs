//! The infrastructure as the checks and the report read it: how many references each cloud
//! has, which regions are named, and the first few places of each as evidence. Nothing reads
//! the references one by one, and a big project has hundreds of thousands of them (30 MB kept
//! as a list at 50,000 files), so each file's are summarised where they are classified and the
//! graph only adds summaries up, in path order.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::diag::Location;
use crate::graph::facts::InfraFact;
use crate::graph::registry::Registry;
use crate::intern::Name;

/// How many places a finding shows: the first, and four more as labels.
const SAMPLES: usize = 5;

/// The cloud and region references of one file, or (added up by [`InfraSummary::merge`]) of
/// the whole project.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InfraSummary {
    /// Region references (provider blocks, `location` fields).
    pub regions: usize,
    /// Whether a region reference is an expression, whose value is unknown until run time.
    pub region_expression: bool,
    /// The distinct regions named literally.
    pub region_names: BTreeSet<String>,
    /// Where the first region references are, in path order.
    pub region_locs: Vec<Location>,
    /// References the registry places in a cloud, by cloud id.
    pub clouds: BTreeMap<Name, usize>,
    /// How many files have such references.
    pub cloud_files: usize,
    /// Where the cloud references are: in one file's summary its first few; in the project's,
    /// the first one, then the first few in other files than the first one's (what a finding
    /// about all of them shows).
    pub cloud_locs: Vec<Location>,
}

impl InfraSummary {
    /// Adds a region reference of this file (`None`: an expression).
    pub fn add_region(&mut self, region: Option<String>, loc: Location) {
        self.regions += 1;
        match region {
            Some(r) => {
                self.region_names.insert(r);
            }
            None => self.region_expression = true,
        }
        if self.region_locs.len() < SAMPLES {
            self.region_locs.push(loc);
        }
    }

    /// Adds a reference of this file that the registry places in `cloud`.
    pub fn add_cloud(&mut self, cloud: Name, loc: Location) {
        *self.clouds.entry(cloud).or_default() += 1;
        self.cloud_files = 1;
        if self.cloud_locs.len() < SAMPLES {
            self.cloud_locs.push(loc);
        }
    }

    /// Adds the summary of the next file, in path order (one file's: the places it keeps are
    /// all in that file, which this relies on to pick places in other files).
    pub fn merge(&mut self, file: InfraSummary) {
        self.regions += file.regions;
        self.region_expression |= file.region_expression;
        self.region_names.extend(file.region_names);
        let room = SAMPLES.saturating_sub(self.region_locs.len());
        self.region_locs
            .extend(file.region_locs.into_iter().take(room));
        for (cloud, n) in file.clouds {
            *self.clouds.entry(cloud).or_default() += n;
        }
        self.cloud_files += file.cloud_files;
        let mut locs = file.cloud_locs.into_iter();
        match self.cloud_locs.first() {
            // the first file with any: its first place; the findings show others elsewhere
            None => self.cloud_locs.extend(locs.next()),
            Some(first)
                if locs
                    .as_slice()
                    .first()
                    .is_some_and(|l| l.path != first.path) =>
            {
                let room = SAMPLES - self.cloud_locs.len();
                self.cloud_locs.extend(locs.take(room));
            }
            Some(_) => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.regions == 0 && self.clouds.is_empty()
    }

    /// How many references name a cloud.
    pub fn cloud_references(&self) -> usize {
        self.clouds.values().sum()
    }
}

/// One file's references as the graph counts them: each placed in a cloud by the registry's
/// mappings, or a region; the rest (portable resources, unknown images) count for nothing.
pub fn summarise(reg: &Registry, refs: &[InfraFact]) -> InfraSummary {
    let mut out = InfraSummary::default();
    for i in refs {
        classify(reg, i, &mut out);
    }
    out
}

/// Adds a reference to the file's summary when the registry places it in a cloud, or when it
/// is a region; the checks and the report count nothing else.
fn classify(reg: &Registry, i: &InfraFact, out: &mut InfraSummary) {
    use crate::engine::ruleset::InfraAs;
    let t = i.text.as_str();
    let cloud = if i.unknown {
        None
    } else {
        reg.clouds
            .iter()
            .find(|c| match i.classify {
                InfraAs::ResourceType => c
                    .resource_prefixes
                    .iter()
                    .any(|p| t.starts_with(p.as_str())),
                InfraAs::TerraformSource => c.terraform_sources.iter().any(|s| {
                    s.eq_ignore_ascii_case(t)
                        || t.to_ascii_lowercase()
                            .ends_with(&format!("/{}", s.to_ascii_lowercase()))
                }),
                InfraAs::K8sKey => c.k8s_keys.iter().any(|re| re.is_match(t)),
                InfraAs::Image => c.registries.iter().any(|re| re.is_match(t)),
                InfraAs::Action => c.actions.iter().any(|re| re.is_match(t)),
                InfraAs::Region => false,
            })
            .map(|c| c.id.clone())
    };
    if i.classify == InfraAs::Region {
        out.add_region((!i.unknown).then(|| i.text.clone()), i.loc.clone());
    } else if let Some(cloud) = cloud {
        out.add_cloud(cloud, i.loc.clone());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::SourceFile;

    fn loc(path: &str, line: usize) -> Location {
        let text = "x\n".repeat(10);
        let file = SourceFile::new(path.into(), text, crate::source::Encoding::Utf8);
        let start = (line - 1) * 2;
        Location::new(
            &file,
            &Arc::from(path),
            crate::source::Span::new(start, start + 1),
        )
    }

    fn file(path: &str, clouds: &[(&str, usize)]) -> InfraSummary {
        let mut s = InfraSummary::default();
        for (cloud, line) in clouds {
            s.add_cloud(Name::from(*cloud), loc(path, *line));
        }
        s
    }

    fn places(locs: &[Location]) -> Vec<(String, u32)> {
        locs.iter()
            .map(|l| (l.path.to_string(), l.start.line))
            .collect()
    }

    /// The project's places are its first reference, then the first ones in other files: a
    /// finding about all of them points at more than one file when it can.
    #[test]
    fn project_places_are_the_first_then_other_files() {
        let mut all = InfraSummary::default();
        all.merge(file("a.tf", &[("aws", 1), ("aws", 2), ("aws", 3)]));
        all.merge(file("b.tf", &[("aws", 4), ("gcp", 5)]));
        all.merge(file("c.tf", &[("aws", 6), ("aws", 7), ("aws", 8)]));
        assert_eq!(
            places(&all.cloud_locs),
            [
                ("a.tf", 1),
                ("b.tf", 4),
                ("b.tf", 5),
                ("c.tf", 6),
                ("c.tf", 7)
            ]
            .map(|(p, l)| (p.to_string(), l))
        );
        assert_eq!(all.cloud_files, 3);
        assert_eq!(all.cloud_references(), 8);
        assert_eq!(all.clouds.len(), 2);
        assert_eq!(all.clouds["gcp"], 1);
    }

    #[test]
    fn regions_keep_the_first_places_and_note_expressions() {
        let mut a = InfraSummary::default();
        for line in 1..=4 {
            a.add_region(Some("eu-west-1".into()), loc("a.tf", line));
        }
        let mut b = InfraSummary::default();
        b.add_region(Some("eu-west-1".into()), loc("b.tf", 1));
        b.add_region(None, loc("b.tf", 2));
        let mut all = InfraSummary::default();
        all.merge(a);
        assert!(!all.region_expression);
        all.merge(b);
        assert_eq!(all.regions, 6);
        assert!(all.region_expression);
        assert_eq!(all.region_names.len(), 1);
        assert_eq!(
            places(&all.region_locs),
            [
                ("a.tf", 1),
                ("a.tf", 2),
                ("a.tf", 3),
                ("a.tf", 4),
                ("b.tf", 1)
            ]
            .map(|(p, l)| (p.to_string(), l))
        );
        assert!(!all.is_empty());
        assert!(InfraSummary::default().is_empty());
    }
}
