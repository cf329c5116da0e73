//! `hedge report`: the neutrality report for people who will not read SARIF, as one
//! self-contained HTML file or as Markdown.
//!
//! The findings come from the same evaluation as `hedge check` (`check::evaluate`, with the same
//! configuration, rule packs, registry and `--today`), so the report never disagrees with CI.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::check::{self, Evaluated};
use super::{CheckArgs, ColorChoice, FailOn, RuleSource, EXIT_OK, EXIT_USAGE};
use crate::config::{self, Config};
use crate::contracts::Date;
use crate::report::neutrality::{self, html, markdown, Input};
use crate::report::OutputFormat;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page (inline CSS and SVG; prints to PDF)
    Html,
    /// Markdown tables and a Mermaid graph, for pull requests and wikis
    Markdown,
}

/// The flags of `hedge check` that decide what is found; output flags are the report's own
/// (`check`'s `--format` and `--output` mean something else, so they cannot be flattened in).
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Files or directories to report on (default: the current directory)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Report format
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,

    /// Write the report to FILE (whole or not at all) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Judge contract dates as of this day (YYYY-MM-DD) instead of the system date
    #[arg(long, value_name = "DATE", value_parser = super::parse_date)]
    pub today: Option<Date>,

    /// Worker threads (0 = one per core). The report is identical for any value.
    #[arg(long, short = 'j', default_value_t = 0)]
    pub threads: usize,

    /// Do not honour .gitignore, .ignore and git exclude files
    #[arg(long)]
    pub no_ignore: bool,

    /// Skip paths matching this gitignore-style glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Files larger than this are reported and skipped
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = super::parse_size)]
    pub max_file_size: u64,

    #[command(flatten)]
    pub source: RuleSource,

    /// Run only these rules (comma-separated or repeated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Never run these rules (comma-separated or repeated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Turn a rule off
    #[arg(
        short = 'A',
        long = "allow",
        value_name = "RULE",
        value_delimiter = ','
    )]
    pub allow: Vec<String>,

    /// Make a rule a warning
    #[arg(short = 'W', long = "warn", value_name = "RULE", value_delimiter = ',')]
    pub warn: Vec<String>,

    /// Make a rule an error
    #[arg(short = 'D', long = "deny", value_name = "RULE", value_delimiter = ',')]
    pub deny: Vec<String>,

    /// Use this configuration file instead of the nearest hedge.toml
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Ignore every hedge.toml
    #[arg(long)]
    pub isolated: bool,

    /// Leave out findings recorded in this baseline file, as `hedge check --baseline` does
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

impl ReportArgs {
    fn check_args(&self) -> CheckArgs {
        CheckArgs {
            paths: self.paths.clone(),
            // configuration and rule-pack errors are printed as check prints them
            format: OutputFormat::Human,
            color: ColorChoice::Auto,
            fail_on: FailOn::Never,
            threads: self.threads,
            no_ignore: self.no_ignore,
            exclude: self.exclude.clone(),
            max_file_size: self.max_file_size,
            verbose: false,
            source: self.source.clone(),
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            allow: self.allow.clone(),
            warn: self.warn.clone(),
            deny: self.deny.clone(),
            config: self.config.clone(),
            isolated: self.isolated,
            cache: false,
            baseline: self.baseline.clone(),
            stdin: false,
            stdin_filename: None,
            show_config: false,
            today: self.today,
            output: Vec::new(),
        }
    }
}

pub fn run(args: &ReportArgs) -> i32 {
    let check_args = args.check_args();
    let Evaluated {
        mut outcome, metas, ..
    } = match check::evaluate(&check_args, None, false, true) {
        Ok(e) => e,
        Err(code) => return code,
    };
    if let Some(path) = &args.baseline {
        let b = match crate::baseline::load(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        };
        let fps = crate::baseline::fingerprints(&outcome.diagnostics);
        let mut covered = crate::baseline::covered(&b, &outcome.diagnostics, &fps).into_iter();
        outcome
            .diagnostics
            .retain(|_| !covered.next().unwrap_or(false));
    }
    // evaluate() has already validated the configuration; it is read again only for the policy
    // numbers the report draws (expiry window, share limits) and the registry's display names
    let config = policy_config(&check_args);
    let policy = &config.policy;
    let mut source = args.source.clone();
    source.registry.extend(config.registry.iter().cloned());
    let registry = match super::load_registry(&source, OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let today = args.today.unwrap_or(policy.contracts.today);
    let base = link_base(args.output.as_deref());
    let href = |path: &str| relative_href(base.as_deref(), path);
    let project = project_name(&args.paths);
    let strip = strip_prefix(&args.paths);
    let model = neutrality::build(&Input {
        project: &project,
        graph: &outcome.graph,
        diagnostics: &outcome.diagnostics,
        registry: &registry,
        rules: &metas,
        today,
        expiry_window_days: policy.contracts.expiry_window_days,
        max_parent_share: policy.max_parent_share,
        max_cloud_share: policy.max_cloud_share,
        href: &href,
        strip: strip.as_deref(),
    });
    let text = match args.format {
        ReportFormat::Html => html::render(&model),
        ReportFormat::Markdown => markdown::render(&model),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = crate::report::write_atomic(path, text.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_USAGE;
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    eprintln!("error: cannot write the report: {e}");
                    return EXIT_USAGE;
                }
            }
        }
    }
    EXIT_OK
}

/// The configuration `evaluate` used (same lookup), or the defaults.
fn policy_config(args: &CheckArgs) -> Config {
    let path = if args.isolated {
        None
    } else if let Some(p) = &args.config {
        Some(p.clone())
    } else {
        args.paths.first().and_then(|p| config::find(p))
    };
    path.and_then(|p| Config::load(&p).ok()).unwrap_or_default()
}

/// The project as named; `.` is named by its directory, which says more in a title.
fn project_name(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            let shown = p.to_string_lossy().into_owned();
            if shown == "." || shown == "./" {
                std::fs::canonicalize(p)
                    .ok()
                    .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .unwrap_or(shown)
            } else {
                shown
            }
        })
        .collect();
    names.join(", ")
}

/// One directory named: its path is the report's title, and file names are shown below it.
fn strip_prefix(paths: &[PathBuf]) -> Option<String> {
    let [dir] = paths else { return None };
    if !dir.is_dir() {
        return None;
    }
    let shown = dir.to_string_lossy().replace('\\', "/");
    let shown = shown.trim_end_matches('/');
    (!shown.is_empty() && shown != ".").then(|| format!("{shown}/"))
}

/// The directory links in the report are relative to: where the report is written, else the
/// working directory (stdout is usually redirected there).
fn link_base(output: Option<&Path>) -> Option<PathBuf> {
    let dir = match output.and_then(Path::parent) {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::canonicalize(dir).ok()
}

/// A link from the report to a checked file: relative to `base` when both resolve, else the path
/// as shown; percent-encoded either way, so no file name can become a URL scheme, end the
/// attribute or the Markdown link.
fn relative_href(base: Option<&Path>, shown: &str) -> String {
    let target = std::fs::canonicalize(shown).ok();
    let rel = match (base, target) {
        (Some(base), Some(target)) => {
            let b: Vec<_> = base.components().collect();
            let t: Vec<_> = target.components().collect();
            let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
            let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
            parts.extend(
                t[common..]
                    .iter()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned()),
            );
            parts.join("/")
        }
        _ => shown.to_string(),
    };
    let mut out = String::with_capacity(rel.len());
    for byte in rel.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::relative_href;

    #[test]
    fn hrefs_are_percent_encoded() {
        assert_eq!(
            relative_href(None, "a b/<x>:\"y\".yaml"),
            "a%20b/%3Cx%3E%3A%22y%22.yaml"
        );
        assert_eq!(
            relative_href(None, "javascript:alert(1)"),
            "javascript%3Aalert%281%29"
        );
    }
}
