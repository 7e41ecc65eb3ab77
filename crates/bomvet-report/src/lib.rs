//! Renderers: each takes a finished [`Report`] and writes it to any `Write`. Renderers format;
//! they never decide (the gate is decided in `bomvet-audit`).
//!
//! Every string that comes from an SBOM is untrusted and is escaped for its format: control
//! characters, ANSI escape sequences and bidirectional overrides for the terminal ([`inert`]),
//! entities for HTML and XML, backslashes for Markdown, a leading `'` against spreadsheet
//! formulas in CSV, quoting for DOT and Mermaid, `serde_json` for JSON and SARIF.
//!
//! The whole pipeline from a Rust program (what `bomvet scan` does):
//!
//! ```
//! use std::path::Path;
//! use bomvet_audit::{
//!     AuditOptions, Auditor, FailOn, Gate, InputOutcome, Report, SbomInfo, Severity, ToolInfo,
//! };
//! use bomvet_policy::Policy;
//! use bomvet_report::{render, OutputFormat, RenderOptions};
//!
//! // Read an SBOM (any supported encoding, recognised by content).
//! let bytes = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
//!   "metadata": {"component": {"bom-ref": "fw", "name": "router-firmware"}},
//!   "components": [{"bom-ref": "av", "name": "av-engine",
//!                   "supplier": {"name": "AO Kaspersky Lab"}}]}"#;
//! let sbom = bomvet_ingest::read_bytes(Path::new("router.cdx.json"), bytes)?;
//!
//! // Load a policy (the embedded default, plus files with `add_file`) and audit.
//! let policy = Policy::embedded_default();
//! let audit = Auditor::new(&policy, AuditOptions::default()).audit(&sbom);
//!
//! // Gather the inputs of a run into a report; the gate is decided here.
//! let report = Report::new(
//!     ToolInfo::new(&policy),
//!     None,
//!     vec![InputOutcome::Audited(Box::new((SbomInfo::of(sbom), audit)))],
//!     Gate::fail_on(FailOn::Severity(Severity::Block)),
//! );
//! assert_eq!(report.verdict.exit_code, 1);
//! assert_eq!(report.findings[0].component.id, "av");
//! assert_eq!(report.findings[0].path, ["fw", "av"]);
//!
//! // Render it in any format.
//! let mut sarif = Vec::new();
//! render(&report, OutputFormat::Sarif, &RenderOptions::default(), &mut sarif)?;
//! assert!(String::from_utf8(sarif)?.contains("restricted-origin"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod graph;
mod html;
mod sarif;
mod text;

pub use crate::graph::Subgraph;
pub use crate::html::html_escape;
pub use crate::text::{csv_cell, md_escape, xml_escape};

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use bomvet_audit::{Code, Finding, Relation, Report, Severity, Status};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Text for people, readable without colour.
    Human,
    /// The report as JSON (`schemas/report.schema.json`).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// JUnit XML (CI dashboards).
    Junit,
    /// Markdown (pull-request comments).
    Markdown,
    /// One self-contained HTML file (procurement files).
    Html,
    /// CSV (spreadsheets).
    Csv,
    /// Graphviz DOT of the affected subgraph.
    Dot,
    /// Mermaid flowchart of the affected subgraph.
    Mermaid,
}

impl OutputFormat {
    /// Every format.
    pub const ALL: [OutputFormat; 9] = [
        OutputFormat::Human,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Junit,
        OutputFormat::Markdown,
        OutputFormat::Html,
        OutputFormat::Csv,
        OutputFormat::Dot,
        OutputFormat::Mermaid,
    ];

    /// Stable name as used by `--format`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Human => "human",
            OutputFormat::Json => "json",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Junit => "junit",
            OutputFormat::Markdown => "markdown",
            OutputFormat::Html => "html",
            OutputFormat::Csv => "csv",
            OutputFormat::Dot => "dot",
            OutputFormat::Mermaid => "mermaid",
        }
    }

    /// The format named `s` (as in `--format` or `-o FORMAT=PATH`).
    pub fn from_name(s: &str) -> Option<OutputFormat> {
        OutputFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Options that change how a report is shown, never what it says.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Show every finding, including `unknown-origin` ones, in the human report.
    pub verbose: bool,
    /// ANSI colour in the human report (the caller decides: terminal, `--color`, `NO_COLOR`).
    pub color: bool,
    /// Wrap the human report to this width (a terminal's); `None` leaves lines whole.
    pub width: Option<usize>,
}

/// Writes `report` in `format`.
///
/// # Errors
/// Only I/O errors of `out`.
pub fn render(
    report: &Report,
    format: OutputFormat,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => out.write_all(human(report, options).as_bytes()),
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            out.write_all(b"\n")
        }
        OutputFormat::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif::sarif(report))?;
            out.write_all(b"\n")
        }
        OutputFormat::Junit => out.write_all(text::junit(report).as_bytes()),
        OutputFormat::Markdown => out.write_all(text::markdown(report).as_bytes()),
        OutputFormat::Html => out.write_all(html::html(report).as_bytes()),
        OutputFormat::Csv => text::csv(report, out),
        OutputFormat::Dot => out.write_all(Subgraph::of(report).dot().as_bytes()),
        OutputFormat::Mermaid => out.write_all(Subgraph::of(report).mermaid().as_bytes()),
    }
}

/// Makes an untrusted string safe to print on a terminal: control characters (C0, DEL, C1,
/// including ESC that starts ANSI sequences) and bidirectional-override characters become
/// visible `\u{..}` escapes. Returns the input unchanged when nothing needs escaping.
pub fn inert(s: &str) -> Cow<'_, str> {
    let bad = dangerous;
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Characters no report may pass through raw: control characters (C0, DEL, C1; ESC starts ANSI
/// sequences) and the bidirectional controls that can reorder what a reader sees.
pub fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c as u32, 0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F | 0x061C)
}

fn sev_label(s: Severity) -> &'static str {
    match s {
        Severity::Block => "BLOCK",
        Severity::Review => "REVIEW",
        Severity::NeedsContext => "NEEDS-CONTEXT",
        Severity::Info => "INFO",
    }
}

/// The human report, coloured and wrapped as `options` say.
pub fn human(report: &Report, options: &RenderOptions) -> String {
    let plain = human_plain(report, options);
    if !options.color && options.width.is_none() {
        return plain;
    }
    let mut o = String::with_capacity(plain.len() + 256);
    for line in plain.lines() {
        let wrapped: Vec<std::borrow::Cow<'_, str>> = match options.width {
            Some(w) if line.chars().count() > w && w > 40 => {
                let indent = line.len() - line.trim_start().len();
                let sub = " ".repeat((indent + 11).min(w / 2));
                textwrap::wrap(line, textwrap::Options::new(w).subsequent_indent(&sub))
            }
            _ => vec![std::borrow::Cow::Borrowed(line)],
        };
        for l in wrapped {
            if options.color {
                o.push_str(&colorize(&l));
            } else {
                o.push_str(&l);
            }
            o.push('\n');
        }
    }
    o
}

/// Colours the severity label that starts a finding line and the verdict line. The text was
/// made inert before; the only escapes in the output are these.
fn colorize(line: &str) -> String {
    const RED: &str = "\x1b[1;31m";
    const AMBER: &str = "\x1b[1;33m";
    const VIOLET: &str = "\x1b[1;35m";
    const GREEN: &str = "\x1b[1;32m";
    const DIM: &str = "\x1b[2m";
    const RESET: &str = "\x1b[0m";
    for (prefix, color) in [
        ("BLOCK", RED),
        ("REVIEW", AMBER),
        ("NEEDS-CONTEXT", VIOLET),
        ("INFO", DIM),
        ("FAIL:", RED),
        ("ERROR:", RED),
        ("PASS:", GREEN),
    ] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return format!("{color}{prefix}{RESET}{rest}");
        }
    }
    line.to_owned()
}

fn human_plain(report: &Report, options: &RenderOptions) -> String {
    let mut o = String::new();
    let t = &report.tool;
    let _ = write!(o, "{} {} · policy: {}", t.name, t.version, inert(&t.policy));
    if let Some(d) = &t.policy_date {
        let _ = write!(o, " (facts of {d})");
    }
    o.push('\n');
    if let Some(ts) = &report.timestamp {
        let _ = writeln!(o, "generated {ts}");
    }
    o.push('\n');

    for input in &report.inputs {
        if input.status == "skipped" {
            let why = not_audited_reason(input);
            let _ = writeln!(o, "{}  skipped: {}", inert(&input.source), inert(why));
            continue;
        }
        if input.status == "failed" {
            let _ = writeln!(
                o,
                "{}  could not be read: {}",
                inert(&input.source),
                inert(input.error.as_deref().unwrap_or(""))
            );
            continue;
        }
        // `file  format version · ...`
        let head = format!(
            "{}  {} {}",
            inert(&input.source),
            input.format.map(|f| f.as_str()).unwrap_or("?"),
            inert(input.spec_version.as_deref().unwrap_or("?")),
        );
        if let Some(into) = &input.joined_into {
            let _ = writeln!(
                o,
                "{head} · {} components · joined into {} (audited there)",
                input.components,
                inert(into)
            );
            continue;
        }
        if input.components == 0 {
            let _ = writeln!(o, "{head} · no components: nothing to vet");
        } else {
            let _ = writeln!(
                o,
                "{head} · {} components · origin known for {}%",
                input.components, input.origin_coverage_pct
            );
        }
        for d in &input.linked {
            let how: Vec<String> = d
                .links
                .iter()
                .map(|l| format!("{} from `{}`", l.via.as_str(), l.from))
                .collect();
            let _ = writeln!(
                o,
                "  joined: {} ({} components) via {}",
                inert(&d.source),
                d.components,
                inert(&how.join(", "))
            );
        }
        for d in input
            .diagnostics
            .iter()
            .take(if options.verbose { usize::MAX } else { 5 })
        {
            let level = d.level.as_str();
            if d.location.0.is_empty() {
                let _ = writeln!(o, "  {level}: {}", inert(&d.message));
            } else {
                let _ = writeln!(
                    o,
                    "  {level}: {}: {}",
                    inert(&d.location.0),
                    inert(&d.message)
                );
            }
        }
        if !options.verbose && input.diagnostics.len() > 5 {
            let _ = writeln!(
                o,
                "  ... and {} more (`-v` shows all)",
                input.diagnostics.len() - 5
            );
        }
    }
    o.push('\n');

    let restricted: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| matches!(f.code, Code::RestrictedOrigin | Code::RestrictedCountry))
        .collect();
    let audited = report.inputs.iter().any(|i| i.status == "audited");
    if !audited {
        o.push_str("No input could be audited.\n\n");
    } else if restricted.is_empty() {
        o.push_str("No component of restricted origin found.\n\n");
    }
    if !restricted.is_empty() {
        table(&mut o, &restricted);
    }
    for f in &restricted {
        finding(&mut o, f);
    }

    let graph: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| {
            !matches!(
                f.code,
                Code::RestrictedOrigin | Code::RestrictedCountry | Code::UnknownOrigin
            )
        })
        .collect();
    if !graph.is_empty() {
        let _ = writeln!(o, "Graph problems ({}):", graph.len());
        let limit = if options.verbose { usize::MAX } else { 10 };
        for f in graph.iter().take(limit) {
            let _ = writeln!(
                o,
                "  {:<6} {:<16} {}: {}",
                sev_label(f.severity),
                f.code.as_str(),
                inert(&f.source),
                inert(&f.message)
            );
        }
        if graph.len() > limit {
            let _ = writeln!(o, "  ... and {} more (`-v` shows all)", graph.len() - limit);
        }
        o.push('\n');
    }
    let unknown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.code == Code::UnknownOrigin)
        .collect();
    if !unknown.is_empty() && options.verbose {
        let _ = writeln!(o, "Unknown origin ({}):", unknown.len());
        for f in &unknown {
            let _ = writeln!(
                o,
                "  {}: {} ({})",
                inert(&f.source),
                inert(&component_name(f)),
                inert(&f.component.id)
            );
        }
        o.push('\n');
    }

    let s = &report.summary;
    if s.inputs > 1 && !s.products.is_empty() {
        let _ = writeln!(
            o,
            "Products with restricted components ({} of {}):",
            s.products.len(),
            s.inputs
        );
        for p in &s.products {
            let whose: Vec<String> = p
                .entities
                .iter()
                .map(|(e, sev)| format!("{e} ({sev})"))
                .collect();
            let _ = writeln!(
                o,
                "  {}{}  {}  [{}]",
                if p.gating { "FAIL  " } else { "      " },
                inert(p.product.as_deref().unwrap_or("(unnamed)")),
                whose.join(", "),
                inert(&p.source)
            );
        }
        o.push('\n');
    }
    let _ = write!(
        o,
        "Summary: {} input(s), {} component(s): {} matched, {} cleared, {} of unknown origin",
        s.inputs, s.components, s.origin.matched, s.origin.cleared, s.origin.unknown
    );
    if s.failed_inputs > 0 {
        let _ = write!(o, "; {} input(s) could not be read", s.failed_inputs);
    }
    if s.skipped_inputs > 0 {
        let _ = write!(o, "; {} non-SBOM file(s) skipped", s.skipped_inputs);
    }
    o.push('\n');
    if !s.restricted_by_severity.is_empty() {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|sev| {
                s.restricted_by_severity
                    .get(sev.as_str())
                    .map(|n| format!("{n} {sev}"))
            })
            .collect();
        let _ = writeln!(o, "Restricted-origin findings: {}", parts.join(", "));
    }
    if s.waived > 0 {
        let _ = writeln!(
            o,
            "{} finding(s) waived (shown above, not gating)",
            s.waived
        );
    }
    if s.in_baseline > 0 {
        let _ = writeln!(
            o,
            "{} finding(s) already in the baseline (not gating)",
            s.in_baseline
        );
    }
    for (src, _, why) in input_failures(&report.verdict) {
        let _ = writeln!(o, "{}: {why}", inert(src));
    }
    if !unknown.is_empty() && !options.verbose {
        let _ = writeln!(
            o,
            "{} component(s) of unknown origin (`-v` or `--format json` lists them)",
            unknown.len()
        );
    }
    let v = &report.verdict;
    let verdict = match v.status {
        Status::Pass => format!("PASS: no finding at or above `{}` (exit 0)", v.fail_on),
        Status::Fail => format!("FAIL: {} (exit 1)", fail_title(v)),
        Status::Error => format!(
            "ERROR: {} input(s) could not be read; the audit is incomplete (exit 2)",
            s.failed_inputs
        ),
    };
    let _ = writeln!(o, "{verdict}");
    o
}

/// Why an input was not audited (a failed or skipped one), as recorded, without the file's name
/// the record starts with (`` `path`: ``), for reports that print the name beside it.
pub(crate) fn not_audited_reason(input: &bomvet_audit::InputSummary) -> &str {
    let why = input.error.as_deref().unwrap_or_default();
    why.strip_prefix('`')
        .and_then(|w| w.strip_prefix(input.source.as_str()))
        .and_then(|w| w.strip_prefix("`"))
        .map_or(why, |w| w.trim_start_matches(':').trim_start())
}

/// The inputs that fail the gate by themselves rather than by a finding, each with a stable
/// kind and what every report says of it: those over `--max-unknown-origin`, then those with no
/// components (an input is never both).
pub(crate) fn input_failures(
    v: &bomvet_audit::Verdict,
) -> impl Iterator<Item = (&str, &'static str, &'static str)> {
    let over = v.unknown_origin_over_limit.iter().map(|s| {
        (
            s.as_str(),
            "unknown-origin-limit",
            "share of components of unknown origin is above `--max-unknown-origin`",
        )
    });
    let empty = v.no_components.iter().map(|s| {
        (
            s.as_str(),
            "no-components",
            "lists no components, so nothing in it could be vetted (`--allow-empty` lets it pass)",
        )
    });
    over.chain(empty)
}

/// What failed a run that could be done, in a few words for a verdict line: the gating
/// findings, the unknown-origin limit, the SBOMs with no components.
pub(crate) fn fail_title(v: &bomvet_audit::Verdict) -> String {
    let mut parts = Vec::new();
    if v.gating_findings > 0 {
        parts.push(format!(
            "{} finding(s) at or above `{}`",
            v.gating_findings, v.fail_on
        ));
    }
    if !v.unknown_origin_over_limit.is_empty() {
        parts.push("unknown-origin limit exceeded".to_owned());
    }
    if !v.no_components.is_empty() {
        parts.push(format!(
            "{} SBOM(s) list no components",
            v.no_components.len()
        ));
    }
    parts.join("; ")
}

/// One aligned line per restricted finding: the overview before the details.
fn table(o: &mut String, findings: &[&Finding]) {
    let clip = |s: &str, n: usize| -> String {
        if s.chars().count() <= n {
            s.to_owned()
        } else {
            let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
            t.push('…');
            t
        }
    };
    let rows: Vec<[String; 5]> = findings
        .iter()
        .map(|f| {
            let basis: Vec<&str> = f.legal_basis().map(|r| r.id.as_str()).collect();
            [
                format!(
                    "{}{}",
                    sev_label(f.severity),
                    if f.waiver.is_some() { " (waived)" } else { "" }
                ),
                clip(&inert(&component_name(f)), 40),
                clip(f.entity.as_ref().map_or("country", |e| e.name.as_str()), 16),
                match f.relation {
                    Some(Relation::Root) => "product".to_owned(),
                    Some(Relation::Direct) => "direct".to_owned(),
                    Some(Relation::Transitive) => {
                        format!("depth {}", f.depth())
                    }
                    None => "-".to_owned(),
                },
                if basis.is_empty() {
                    "information only".to_owned()
                } else if f.caps.is_empty() {
                    basis.join(", ")
                } else {
                    format!("{} (lowered, see below)", basis.join(", "))
                },
            ]
        })
        .collect();
    let head = ["SEVERITY", "COMPONENT", "ENTITY", "WHERE", "LEGAL BASIS"];
    let mut w = head.map(|h| h.chars().count());
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |o: &mut String, r: [&str; 5]| {
        let _ = writeln!(
            o,
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        );
    };
    line(o, head);
    for r in &rows {
        line(o, [&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
    o.push('\n');
}

/// `group/name@version` of a finding's component, as short as the data allows; `version_sep`
/// is `@` for text and a space for prose (HTML headings).
pub(crate) fn component_label(f: &Finding, version_sep: &str) -> String {
    let c = &f.component;
    let mut s = String::new();
    if let Some(g) = c.group.as_deref().filter(|g| !g.is_empty()) {
        s.push_str(g);
        s.push('/');
    }
    s.push_str(&c.name);
    if let Some(v) = c.version.as_deref().filter(|v| !v.is_empty()) {
        s.push_str(version_sep);
        s.push_str(v);
    }
    s
}

fn component_name(f: &Finding) -> String {
    component_label(f, "@")
}

fn finding(o: &mut String, f: &Finding) {
    let country;
    let entity = match (&f.entity, f.code) {
        (Some(e), _) => e.name.as_str(),
        (None, Code::RestrictedCountry) => {
            country = format!(
                "country of origin {}",
                f.evidence
                    .iter()
                    .map(|e| e.matched.as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            );
            country.as_str()
        }
        (None, _) => "?",
    };
    let _ = writeln!(
        o,
        "{}{}  {}  {} ({})  [{}]",
        sev_label(f.severity),
        if f.waiver.is_some() { " (waived)" } else { "" },
        inert(&component_name(f)),
        entity,
        f.confidence.map(|c| c.as_str()).unwrap_or("?"),
        inert(&f.source)
    );
    let _ = writeln!(o, "  ref:       {}", inert(&f.component.id));
    if let Some(w) = &f.component.written_in {
        let _ = writeln!(
            o,
            "  written in: {} (a supplier SBOM joined into it)",
            inert(w)
        );
    }
    if let Some(p) = &f.component.purl {
        let _ = writeln!(o, "  purl:      {}", inert(p));
    }
    let relation = match f.relation {
        Some(Relation::Root) => "the product itself (a root of the SBOM)".to_owned(),
        Some(Relation::Direct) => "a direct component of the product".to_owned(),
        Some(Relation::Transitive) => format!("transitive, {} levels below the product", f.depth()),
        None => "not reachable from any product".to_owned(),
    };
    let _ = writeln!(o, "  where:     {relation}");
    if let Some(d) = &f.dependents {
        let _ = writeln!(
            o,
            "  impact:    {} component(s) depend on it ({} directly); product(s): {}{}",
            d.total,
            d.direct,
            inert(&f.roots.join(", ")),
            match f.root_count {
                Some(n) => format!(", ... ({n} in all; all with --list-dependents)"),
                None => String::new(),
            }
        );
    }
    if !f.path_names.is_empty() {
        let _ = writeln!(o, "  path:      {}", inert(&f.path_names.join(" -> ")));
    }
    if let Some(n) = f.path_count.filter(|&n| n > 1) {
        let count = if n == u64::MAX {
            "more than 18446744073709551614".to_owned()
        } else {
            n.to_string()
        };
        let _ = writeln!(o, "  paths:     {count} distinct paths from the product(s)");
    }
    for rp in &f.via_roots {
        if rp.root == f.component.id {
            continue;
        }
        match &rp.only_through {
            Some(only) => {
                let _ = writeln!(
                    o,
                    "  via:       only through `{}` in `{}`: removing it removes this component",
                    inert(only),
                    inert(&rp.root)
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "  via:       `{}` brings it in through {} direct dependencies: {}{}",
                    inert(&rp.root),
                    rp.direct_dependency_count,
                    inert(&rp.direct_dependencies.join(", ")),
                    if rp.direct_dependency_count > rp.direct_dependencies.len() {
                        ", ... (all with --list-dependents)"
                    } else {
                        ""
                    }
                );
            }
        }
        for p in rp.paths.iter().skip(1).take(4) {
            let _ = writeln!(o, "  also:      {}", inert(&p.join(" -> ")));
        }
    }
    if f.reachable_at_runtime == Some(false) {
        let _ = writeln!(
            o,
            "  scope:     reachable only through dev, build, test or optional dependencies"
        );
    }
    if let Some(w) = &f.waiver {
        let _ = writeln!(
            o,
            "  WAIVED:    by {} until {} ({}): {}",
            inert(&w.approver),
            w.expires,
            inert(&w.location),
            inert(&w.reason)
        );
    }
    match f.baseline {
        Some(bomvet_audit::BaselineStatus::Existing) => {
            let _ = writeln!(
                o,
                "  baseline:  already in the baseline report; does not gate"
            );
        }
        Some(bomvet_audit::BaselineStatus::Raised) => {
            let _ = writeln!(
                o,
                "  baseline:  in the baseline report at a lower severity; gates as a new finding"
            );
        }
        _ => {}
    }
    for (i, e) in f.evidence.iter().enumerate() {
        let _ = write!(
            o,
            "  {} {} = \"{}\" matches {} \"{}\" ({})",
            if i == 0 { "evidence: " } else { "          " },
            inert(&e.field),
            inert(&e.value),
            e.identifier.as_str(),
            inert(&e.matched),
            e.confidence.as_str()
        );
        if e.identifier == bomvet_audit::IdentKind::Country {
            if let Some(n) = &e.note {
                let _ = write!(o, ", {n}");
            }
        }
        o.push('\n');
    }
    if f.code == Code::RestrictedCountry {
        for r in &f.rules {
            let _ = write!(
                o,
                "  rule:      {:<13} {}: {}",
                r.severity.as_str(),
                r.id,
                r.title
            );
            if let Some(c) = &r.citation {
                let _ = write!(o, " [{c}]");
            }
            o.push('\n');
        }
    } else if !f.rules.is_empty() {
        let _ = writeln!(o, "  legal basis:");
        let mut applicable: Vec<_> = f.legal_basis().collect();
        applicable.sort_by_key(|r| std::cmp::Reverse(r.severity));
        for r in &applicable {
            let _ = write!(o, "    {:<13} {}: {}", r.severity.as_str(), r.id, r.title);
            if let Some(c) = &r.citation {
                let _ = write!(o, " [{c}]");
            }
            o.push('\n');
            if let Some(n) = &r.note {
                let _ = writeln!(o, "    {:<13} note: {n}", "");
            }
        }
        let info: Vec<&str> = f
            .rules
            .iter()
            .filter(|r| r.applies && r.severity == Severity::Info)
            .map(|r| r.id.as_str())
            .collect();
        if !info.is_empty() {
            let _ = writeln!(o, "    {:<13} {}", "info", info.join(", "));
        }
        let na: Vec<&str> = f
            .rules
            .iter()
            .filter(|r| !r.applies)
            .map(|r| r.id.as_str())
            .collect();
        if !na.is_empty() {
            let _ = writeln!(
                o,
                "    {:<13} {} (they do not reach components embedded in another product)",
                "n/a",
                na.join(", ")
            );
        }
    }
    for c in &f.caps {
        let _ = writeln!(o, "  lowered:   {c}");
    }
    o.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ANSI escapes, other control characters and bidi overrides become visible escapes.
    #[test]
    fn inert_escapes_terminal_controls() {
        assert_eq!(inert("plain"), "plain");
        assert_eq!(inert("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(inert("x\u{202e}y\n"), "x\\u{202e}y\\u{a}");
        assert_eq!(inert("\u{9b}2J"), "\\u{9b}2J");
    }
}
