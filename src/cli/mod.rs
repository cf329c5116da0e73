//! The command line: argument definitions and one thin function per subcommand over the
//! library. Exit codes: 0 no finding at or above `--fail-on`, 1 findings, 2 usage or
//! configuration error.

pub(crate) mod check;
mod graph;
mod init;
mod kinds;
// `report` is the reporters' module imported below; the subcommand's file keeps the command's name
#[path = "report.rs"]
mod report_cmd;
mod rules;
mod suppressions;
mod test_rules;
mod tree;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::load;
use crate::engine::ruleset::RuleSet;
use crate::graph::registry::Registry;
use crate::report::{self, OutputFormat, Report, Summary};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

const AFTER_HELP: &str = "\
Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on
  2  usage or configuration error (bad flag, missing path)";

#[derive(Parser, Debug)]
#[command(
    name = "hedge",
    version,
    about = "Finds single-vendor traps in infrastructure, AI gateway and contract files",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check files and directories (default: the current directory)
    #[command(after_help = AFTER_HELP)]
    Check(Box<CheckArgs>),
    /// Print the spanned document tree hedge builds from a file: every node with its path,
    /// type and line:column range (for writing and debugging rules)
    Tree(TreeArgs),
    /// List the rules (built-in and from --rules)
    Rules(RulesArgs),
    /// Print a rule's documentation: what it finds, why it matters, how to fix it, examples
    Explain(ExplainArgs),
    /// Show which document kinds each file's documents were given
    Kinds(KindsArgs),
    /// Check rule fixtures: every `# expect: RULE` annotation must be found, exactly, and nothing else
    TestRules(TestRulesArgs),
    /// Print the project's provider dependency graph: routes, deployments, fallbacks and their grades
    Graph(GraphArgs),
    /// Write a starter hedge.toml and a contract stub for each vendor in use (never overwrites)
    Init(InitArgs),
    /// Record today's findings as accepted (create) or drop entries that no longer match (prune);
    /// `hedge check --baseline FILE` then reports only findings not in FILE
    Baseline(Box<BaselineArgs>),
    /// List every inline suppression (rule, reason, expiry, location): an auditable inventory
    Suppressions(SuppressionsArgs),
    /// Run the language server on stdin/stdout (for editors): diagnostics as you type, rule docs
    /// on hover
    Lsp,
    /// Write the vendor neutrality report: one self-contained HTML page (or Markdown) with the
    /// dependency graph, concentration charts, findings and contract deadlines
    Report(Box<report_cmd::ReportArgs>),
}

#[derive(Args, Debug)]
pub struct SuppressionsArgs {
    /// Files or directories (default: the current directory)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = InventoryFormat::Table)]
    pub format: InventoryFormat,
    /// Judge expiry as of this day (YYYY-MM-DD) instead of today
    #[arg(long, value_parser = parse_date)]
    pub today: Option<crate::contracts::date::Date>,
    #[command(flatten)]
    pub source: RuleSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    /// Tab-separated: place, rules, scope, until, status, reason; one suppression per line
    Table,
    /// A JSON array
    Json,
}

#[derive(Args, Debug)]
pub struct BaselineArgs {
    #[command(subcommand)]
    pub action: BaselineAction,
}

#[derive(Subcommand, Debug)]
pub enum BaselineAction {
    /// Write every current finding to FILE (replacing it, atomically)
    Create(BaselineCmd),
    /// Keep only FILE's entries that a current finding still matches
    Prune(BaselineCmd),
}

#[derive(Args, Debug)]
pub struct BaselineCmd {
    /// The baseline file (JSON)
    pub file: PathBuf,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The project directory
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Files or directories (default: the current directory)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Json)]
    pub format: GraphFormat,
    #[command(flatten)]
    pub source: RuleSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Json,
    Dot,
    Mermaid,
}

/// Where rules come from, shared by every subcommand that evaluates them.
#[derive(Args, Debug, Clone, Default)]
pub struct RuleSource {
    /// Also load the rule packs (.yaml/.yml/.json) in this directory or file (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,

    /// Also load this vendor registry file; entries with an existing id replace it (repeatable)
    #[arg(long = "registry", value_name = "FILE")]
    pub registry: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(flatten)]
    pub source: RuleSource,
    /// Output format
    #[arg(long, value_enum, default_value_t = TreeFormat::Text)]
    pub format: TreeFormat,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The rule id, as shown in findings (e.g. k8s-single-replica)
    pub rule: String,
    #[command(flatten)]
    pub source: RuleSource,
}

#[derive(Args, Debug)]
pub struct KindsArgs {
    /// Files or directories (default: the current directory)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub source: RuleSource,
}

#[derive(Args, Debug)]
pub struct TestRulesArgs {
    /// A directory of fixtures: `<rule-id>/...` files with `# expect: <rule-id>` annotations
    pub dir: PathBuf,
    /// Judge contract dates as of this day (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<crate::contracts::Date>,
    #[command(flatten)]
    pub source: RuleSource,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Files or directories to check. Files named here are checked even when ignored or excluded.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// When to colour human output (NO_COLOR in the environment means never, unless `always`)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Worker threads (0 = one per core). Output is identical for any value.
    #[arg(long, short = 'j', default_value_t = 0)]
    pub threads: usize,

    /// Do not honour .gitignore, .ignore and git exclude files
    #[arg(long)]
    pub no_ignore: bool,

    /// Skip paths matching this gitignore-style glob (repeatable); relative to each directory given
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Files larger than this are reported and skipped (bytes; K, M, G, KiB, MiB, GiB suffixes)
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_size)]
    pub max_file_size: u64,

    /// List every file with its format, document count and kinds, and the count of skipped files (stderr)
    #[arg(long, short = 'v')]
    pub verbose: bool,

    #[command(flatten)]
    pub source: RuleSource,

    /// Run only these rules (comma-separated or repeated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Never run these rules (comma-separated or repeated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Turn a rule off (like clippy's -A)
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

    /// When checking named files inside a project (pre-commit), keep the other files' facts in
    /// `<project>/.hedge-cache/` and re-read only files that changed since the last run
    #[arg(long)]
    pub cache: bool,

    /// Do not report findings recorded in this baseline file (see `hedge baseline`)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Read the content of the file named by --stdin-filename from standard input (an editor's
    /// unsaved buffer); the rest of the project is read from disk
    #[arg(long, requires = "stdin_filename")]
    pub stdin: bool,

    /// The file standard input stands for (with --stdin); it must exist on disk
    #[arg(long, value_name = "PATH", requires = "stdin")]
    pub stdin_filename: Option<PathBuf>,

    /// Print the effective configuration, each setting with the file and line it comes from, and exit
    #[arg(long)]
    pub show_config: bool,

    /// Judge contract dates as of this day (YYYY-MM-DD) instead of the system date, for
    /// reproducible CI runs
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<crate::contracts::Date>,

    /// Also write the report in FORMAT to PATH (repeatable), e.g. `--output sarif=hedge.sarif`;
    /// each file is written whole or not at all
    #[arg(short, long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub output: Vec<(OutputFormat, PathBuf)>,
}

fn parse_output(s: &str) -> Result<(OutputFormat, PathBuf), String> {
    let (f, p) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not FORMAT=PATH (e.g. sarif=hedge.sarif)"))?;
    let format = OutputFormat::from_str(f, true)?;
    if p.is_empty() {
        return Err("the PATH after `=` is empty".into());
    }
    Ok((format, PathBuf::from(p)))
}

fn parse_date(s: &str) -> Result<crate::contracts::Date, String> {
    crate::contracts::Date::parse(s).ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

#[derive(Args, Debug)]
pub struct TreeArgs {
    /// The file to show
    pub file: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value_t = TreeFormat::Text)]
    pub format: TreeFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TreeFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Always exit 0 unless the invocation itself is wrong
    Never,
}

/// `16MiB`, `10M`, `512k`, `1048576`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (examples: 1048576, 512K, 16MiB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` (use K, M, G, KiB, MiB, GiB)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// Runs the CLI and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check::run(&args, check::Mode::Report),
        Command::Suppressions(args) => suppressions::run(&args),
        Command::Lsp => crate::lsp::run(),
        Command::Baseline(b) => match &b.action {
            BaselineAction::Create(c) => check::run(&c.check, check::Mode::Create(&c.file)),
            BaselineAction::Prune(c) => check::run(&c.check, check::Mode::Prune(&c.file)),
        },
        Command::Tree(args) => tree::run(&args),
        Command::Rules(args) => rules::list(&args),
        Command::Explain(args) => rules::explain(&args),
        Command::Kinds(args) => kinds::run(&args),
        Command::TestRules(args) => test_rules::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Report(args) => report_cmd::run(&args),
    }
}

/// Loads the vendor registry (built-in plus `--registry` files); problems are printed like
/// rule-pack problems.
pub fn load_registry(source: &RuleSource, format: OutputFormat) -> Result<Arc<Registry>, i32> {
    Registry::load(&source.registry)
        .map(Arc::new)
        .map_err(|e| print_load_error(&e, format))
}

/// Loads the built-in and user rule packs. On failure the problems are printed (pointing into
/// the packs) in `format`, and the caller should exit with [`EXIT_USAGE`].
pub fn load_rules(source: &RuleSource, format: OutputFormat) -> Result<Arc<RuleSet>, i32> {
    load_rule_set(source, format).map(Arc::new)
}

/// Like [`load_rules`], for callers that adjust the set (configuration) before sharing it.
pub fn load_rule_set(source: &RuleSource, format: OutputFormat) -> Result<RuleSet, i32> {
    load::load(&source.rules).map_err(|e| print_load_error(&e, format))
}

pub(crate) fn print_load_error(e: &load::LoadError, format: OutputFormat) -> i32 {
    print_diagnostics(
        "invalid rule pack or registry",
        &e.diagnostics,
        &e.sources,
        format,
    )
}

/// Prints configuration problems (to stderr, in the chosen format); returns [`EXIT_USAGE`].
pub fn print_diagnostics(
    what: &str,
    diagnostics: &[crate::diag::Diagnostic],
    sources: &std::collections::BTreeMap<Arc<str>, Arc<str>>,
    format: OutputFormat,
) -> i32 {
    let mut summary = Summary::default();
    summary.count(diagnostics);
    let r = Report {
        diagnostics,
        show_summary: false,
        sources,
        summary,
        rules: &[],
        suppressed: &[],
        threads: 1,
    };
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stderr().is_terminal();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {what}");
    let _ = report::render(format, &r, color, &mut err);
    EXIT_USAGE
}

/// Every path named on the command line must exist; a missing one is a usage error.
pub fn check_paths(paths: &[PathBuf]) -> Result<(), i32> {
    for p in paths {
        if std::fs::symlink_metadata(p).is_err() {
            eprintln!("error: path not found: {}", p.display());
            return Err(EXIT_USAGE);
        }
    }
    Ok(())
}

/// Checks rule ids named on the command line; an unknown one is a usage error.
pub fn check_rule_ids(set: &RuleSet, ids: &[String]) -> Result<(), i32> {
    let known: Vec<&str> = set.all_ids();
    for id in ids {
        if !known.contains(&id.as_str()) {
            let hint = load::did_you_mean(id, &known)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            eprintln!("error: unknown rule `{id}`{hint}; `hedge rules` lists them");
            return Err(EXIT_USAGE);
        }
    }
    Ok(())
}
