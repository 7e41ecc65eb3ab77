//! Command-line definitions (clap derive).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Audit SBOMs for components of restricted origin.
///
/// bomvet reads CycloneDX and SPDX documents, builds the dependency graph, and reports every
/// component developed, produced or supplied by an entity that a restriction names (Kaspersky,
/// Huawei, ZTE, Hytera, Hikvision, Dahua, DJI...), however deep, with the evidence, the path
/// and the legal basis.
///
/// Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 the job could not
/// be done (unreadable or unrecognised input, bad policy, bad arguments).
#[derive(Debug, Parser)]
// Every argument of this struct is global: listed under its own heading in each subcommand's
// help, apart from the subcommand's own.
#[command(
    name = "bomvet",
    max_term_width = 100,
    next_help_heading = "Global options"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Print only the report: no warnings on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Show every finding and warning in the human report.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// Colour in the terminal report: `auto` when stdout is a terminal and `NO_COLOR` is unset.
    #[arg(long, value_enum, global = true, default_value_t = ColorArg::Auto)]
    pub(crate) color: ColorArg,
    /// Format of messages on stderr: `text`, or `json` (one object per line) for machines.
    #[arg(long, value_enum, global = true, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    /// Read settings from this file instead of looking for `bomvet.toml` upward.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,
    /// Ignore any `bomvet.toml`.
    #[arg(long, global = true)]
    pub(crate) no_config: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// `warning: ...` lines.
    Text,
    /// `{"level":"warning","message":"..."}` lines.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl Cli {
    /// Parses the arguments; `--version` names the embedded policy's date too, so a report can
    /// be traced to the rules it was made with.
    pub(crate) fn parse_with_version() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let policy = bomvet_policy::Policy::embedded_default();
        let version = format!(
            "{} (embedded policy: facts of {})",
            env!("CARGO_PKG_VERSION"),
            policy.meta.default_date.as_deref().unwrap_or("unknown")
        );
        let cmd = Cli::command().version(version);
        let matches = cmd.get_matches();
        match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(e) => e.exit(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Audit SBOM files or directories and report restricted components.
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// Explain why a component is or is not flagged: every identifier tried, every hit and
    /// near miss, its place in the graph, and the findings it gets.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Check SBOM files against the official schema of their encoding and version; every
    /// violation is printed with its location. Exit 0 valid, 1 invalid, 2 unreadable.
    #[command(
        after_help = "Examples:\n  bomvet validate bom.cdx.json\n  bomvet validate sboms/ --format json\n\nJSON encodings use the official JSON Schemas (CycloneDX 1.2-1.7, SPDX 2.2/2.3, SPDX 3.0.1),\nCycloneDX XML the official XSDs (1.0-1.7); tag-value is checked for its structure."
    )]
    Validate {
        /// SBOM files or directories (searched recursively).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = FormatArg::Human)]
        format: FormatArg,
    },
    /// Write a commented starter `bomvet.toml`, policy file and waiver file.
    #[command(after_help = "Examples:\n  bomvet init\n  bomvet init --dir ci/bomvet --force")]
    Init {
        /// Where to write the files.
        #[arg(long, value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  bomvet completions bash > /etc/bash_completion.d/bomvet\n  bomvet completions zsh > \"${fpath[1]}/_bomvet\"\n  bomvet completions fish > ~/.config/fish/completions/bomvet.fish\n  bomvet completions powershell >> $PROFILE"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff), generated from these definitions.
    #[command(
        after_help = "Examples:\n  bomvet man > bomvet.1 && man ./bomvet.1\n  bomvet man --out-dir /usr/local/share/man/man1   # one page per subcommand"
    )]
    Man {
        /// Write `bomvet.1` and one page per subcommand into this directory instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Compare two JSON reports: new, fixed and changed findings.
    #[command(
        after_help = "Examples:\n  bomvet diff main.json branch.json\n  bomvet diff old.json new.json --format json --fail-on review\n\nExit 1 when a new finding is at or above --fail-on (default block)."
    )]
    Diff(DiffArgs),
    /// Show or check policies.
    #[command(
        after_help = "Examples:\n  bomvet policy show\n  bomvet policy check our-vendors.toml"
    )]
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

const SCAN_EXAMPLES: &str = "Examples:
  bomvet scan firmware.cdx.json
  bomvet scan app.spdx.json --format json
  bomvet scan sboms/ --fail-on review -o json=report.json -o html=report.html
  bomvet scan bom.json --format sarif -o results.sarif
  cat bom.json | bomvet scan -
  bomvet scan bom.json --policy our-vendors.toml --timestamp now";

const EXPLAIN_EXAMPLES: &str = "Examples:
  bomvet explain firmware.cdx.json kav-sdk            # by bom-ref or SPDXID
  bomvet explain firmware.cdx.json \"Kaspersky Anti-Virus SDK\"   # by name (or name@version)
  bomvet explain app.spdx.json pkg:npm/%40aztec/foundation@0.65.2 --format json";

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The SBOM file.
    #[arg(value_name = "SBOM")]
    pub(crate) sbom: PathBuf,
    /// The component: its bom-ref or SPDXID, its name, name@version, or purl.
    #[arg(value_name = "COMPONENT")]
    pub(crate) component: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Human)]
    pub(crate) format: FormatArg,
    /// A policy file to add to the default; repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Vec<PathBuf>,
    /// Drop the embedded default policy.
    #[arg(long)]
    pub(crate) no_default_policy: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The earlier report (`bomvet scan --format json`).
    #[arg(value_name = "OLD")]
    pub(crate) old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW")]
    pub(crate) new: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Human)]
    pub(crate) format: FormatArg,
    /// Lowest severity of a new finding that makes the diff exit 1.
    #[arg(long, value_enum, default_value_t = FailOnArg::Block)]
    pub(crate) fail_on: FailOnArg,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// SBOM files, directories (searched recursively) or `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// Format of the report on standard output [default: human].
    #[arg(short, long, value_enum)]
    pub(crate) format: Option<FormatArg>,
    /// Write a report to a file: `PATH` (in `--format`) or `FORMAT=PATH`; repeatable. A bare
    /// `PATH` replaces standard output.
    #[arg(short, long, value_name = "[FORMAT=]PATH")]
    pub(crate) output: Vec<String>,
    /// A policy file (TOML) to add to the embedded default; repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Vec<PathBuf>,
    /// Drop the embedded default policy (then at least one `--policy` is required).
    #[arg(long)]
    pub(crate) no_default_policy: bool,
    /// Lowest severity that fails the run (exit 1) [default: block].
    #[arg(long, value_enum)]
    pub(crate) fail_on: Option<FailOnArg>,
    /// List the ref of every dependent of each restricted component, and every direct dependency
    /// of each product that brings it in (can be long; without it the first 20 are listed).
    #[arg(long)]
    pub(crate) list_dependents: bool,
    /// Distinct paths listed per product for each finding [default: 5].
    #[arg(long, value_name = "N")]
    pub(crate) max_paths: Option<usize>,
    /// Highest severity of a component reachable only through dev, build, test or optional
    /// dependencies (or components whose scope is excluded/optional) [default: review].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) non_runtime_cap: Option<SeverityArg>,
    /// Fail (exit 1) when an SBOM has more than PCT percent of components of unknown origin.
    #[arg(long, value_name = "PCT")]
    pub(crate) max_unknown_origin: Option<f64>,
    /// Let an SBOM that lists no components pass; without it such an SBOM fails the run (exit
    /// 1): nothing in it could be vetted.
    #[arg(long)]
    pub(crate) allow_empty: bool,
    /// A waiver file (TOML): accepted findings, each with a reason, an approver and an expiry.
    #[arg(long, value_name = "FILE")]
    pub(crate) waivers: Option<PathBuf>,
    /// An earlier `--format json` report: only findings that are new gate.
    #[arg(long, value_name = "REPORT")]
    pub(crate) baseline: Option<PathBuf>,
    /// Audit every SBOM on its own: do not join a product's SBOM with the supplier SBOMs it
    /// links to (BOM-Link, external `bom` reference, SPDX external document ref, same purl).
    #[arg(long)]
    pub(crate) no_link: bool,
    /// Treat every deviation from the spec as an error: reader warnings and official-schema
    /// violations (JSON Schema, XSD), at any size, make the input fail (exit 2).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Put a timestamp in the report: `now` or an RFC 3339 time. Without it the report has none
    /// (or `SOURCE_DATE_EPOCH`'s), so identical inputs give identical bytes.
    #[arg(long, value_name = "now|RFC3339")]
    pub(crate) timestamp: Option<String>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// Input limits (defaults in README "Limits").
#[derive(Debug, Args, Default)]
pub(crate) struct LimitArgs {
    /// Largest input file [default: 1GiB].
    #[arg(long, value_name = "SIZE")]
    pub(crate) max_file_size: Option<crate::limits::Size>,
    /// Largest size a gzip input may decompress to [default: 4GiB].
    #[arg(long, value_name = "SIZE")]
    pub(crate) max_decompressed_size: Option<crate::limits::Size>,
    /// Most components in one SBOM [default: 5000000].
    #[arg(long, value_name = "N")]
    pub(crate) max_components: Option<usize>,
    /// Deepest nesting of components [default: 64].
    #[arg(long, value_name = "N")]
    pub(crate) max_depth: Option<usize>,
    /// Check inputs up to this size against their official schema and report each deviation
    /// as a warning; `0` never checks (`--strict` and `validate` always do) [default: 4MiB].
    #[arg(long, value_name = "SIZE")]
    pub(crate) max_schema_check_size: Option<crate::limits::Size>,
    /// Parse inputs larger than this through a buffer instead of holding them whole (every
    /// encoding but YAML; not gzip or UTF-16): the file's bytes are not held next to the model
    /// (less peak memory, a slower parse) [default: 256MiB].
    #[arg(long, value_name = "SIZE")]
    pub(crate) stream_above: Option<crate::limits::Size>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Show the lists (instruments) and entities of the policy in effect.
    #[command(
        after_help = "Examples:\n  bomvet policy show\n  bomvet policy show --format json --policy ours.toml"
    )]
    Show {
        /// A policy file to add to the default; repeatable.
        #[arg(long, value_name = "FILE")]
        policy: Vec<PathBuf>,
        /// Drop the embedded default policy.
        #[arg(long)]
        no_default_policy: bool,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = PolicyFormat::Table)]
        format: PolicyFormat,
    },
    /// Check policy files; every problem is reported with file:line:column.
    #[command(after_help = "Examples:\n  bomvet policy check our-vendors.toml")]
    Check {
        /// Policy files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// Text for people.
    Human,
    /// Machine-readable report (schemas/report.schema.json).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// JUnit XML for CI dashboards.
    Junit,
    /// Markdown for pull-request comments.
    Markdown,
    /// One self-contained HTML file.
    Html,
    /// CSV for spreadsheets.
    Csv,
    /// Graphviz DOT of the affected subgraph.
    Dot,
    /// Mermaid flowchart of the affected subgraph.
    Mermaid,
}

impl FormatArg {
    pub(crate) fn output(self) -> bomvet_report::OutputFormat {
        use bomvet_report::OutputFormat as O;
        match self {
            FormatArg::Human => O::Human,
            FormatArg::Json => O::Json,
            FormatArg::Sarif => O::Sarif,
            FormatArg::Junit => O::Junit,
            FormatArg::Markdown => O::Markdown,
            FormatArg::Html => O::Html,
            FormatArg::Csv => O::Csv,
            FormatArg::Dot => O::Dot,
            FormatArg::Mermaid => O::Mermaid,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SeverityArg {
    /// `block`.
    Block,
    /// `review`.
    Review,
    /// `needs-context`.
    NeedsContext,
    /// `info`.
    Info,
}

impl SeverityArg {
    pub(crate) fn severity(self) -> bomvet_policy::Severity {
        match self {
            SeverityArg::Block => bomvet_policy::Severity::Block,
            SeverityArg::Review => bomvet_policy::Severity::Review,
            SeverityArg::NeedsContext => bomvet_policy::Severity::NeedsContext,
            SeverityArg::Info => bomvet_policy::Severity::Info,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PolicyFormat {
    /// A table.
    Table,
    /// JSON.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOnArg {
    /// Fail on `block` findings (default).
    Block,
    /// Fail on `review` or worse.
    Review,
    /// Fail on `needs-context` or worse.
    NeedsContext,
    /// Fail on any finding, `info` included.
    Info,
    /// Never fail on findings; unreadable input still exits 2.
    Never,
}

/// The outputs of a run: `(format, None)` is standard output.
pub(crate) fn parse_outputs(
    specs: &[String],
    stdout_format: FormatArg,
) -> Result<Vec<(FormatArg, Option<PathBuf>)>> {
    let mut outputs = Vec::new();
    let mut stdout = true;
    for spec in specs {
        match spec.split_once('=') {
            Some((fmt, path)) if !fmt.is_empty() && !fmt.contains(['/', '\\']) => {
                let Ok(f) = FormatArg::from_str(fmt, true) else {
                    bail!("`--output {spec}`: unknown format `{fmt}` (expected one of human, json, sarif, junit, markdown, html, csv, dot, mermaid)");
                };
                if path.is_empty() {
                    bail!("`--output {spec}`: missing path after `=`");
                }
                outputs.push((f, Some(PathBuf::from(path))));
            }
            _ => {
                stdout = false;
                outputs.push((stdout_format, Some(PathBuf::from(spec))));
            }
        }
    }
    if stdout {
        outputs.insert(0, (stdout_format, None));
    }
    Ok(outputs)
}
