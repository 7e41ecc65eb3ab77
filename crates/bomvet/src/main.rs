//! The `bomvet` command line: argument parsing, input discovery, exit codes. The work is done by
//! the library crates; this is the only crate that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod config;
mod limits;
mod log;

// glibc's allocator spent a quarter of a 100k-component scan in malloc/free (perf); mimalloc
// halves that. Built with `no_thp` (workspace Cargo.toml): mimalloc does not ask for transparent
// huge pages, whose faults (zeroing and compaction of 2 MiB at a time) were a third of a 1M scan's
// time (decision 21). See README "Benchmarks".
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use bomvet_audit::{
    AuditOptions, Auditor, Baseline, FailOn, Gate, InputOutcome, Report, SbomInfo, ToolInfo,
    Waivers,
};
use bomvet_graph::link::DocKeys;
use bomvet_model::DiagnosticLevel;
use bomvet_policy::{Policy, Severity};
use bomvet_report::{render, OutputFormat, RenderOptions};

/// Whether to colour standard output: `--color`, then `NO_COLOR`, then whether it is a terminal.
fn use_color(choice: ColorArg) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
                && io::stdout().is_terminal()
        }
    }
}

/// Where the lines of a document's findings are looked up: its bytes (standard input, kept
/// anyway), or its file, read again in segments once the audit is done, so that a large SBOM's
/// bytes are not held through the audit (issue 7: they were a quarter of the peak at 100k
/// components). A file that cannot be read again, or changed, only costs its findings their lines.
enum LineSource {
    /// Standard input, kept.
    Bytes(Vec<u8>, bomvet_model::Format),
    /// A file: read again, in segments on every core, not mapped (its pages would add to the
    /// peak memory, which the model still holds).
    File(std::path::PathBuf, bomvet_model::Format),
}

/// The refs searched for in a file, and the line where each found is first written.
type RefLines = (
    std::collections::HashSet<String>,
    std::collections::HashMap<String, usize>,
);

/// Searches `source` for the lines of the refs of `components` of `sbom` whose reader did not
/// give them one: [`annotate_lines`]'s search, made while the audit makes its findings
/// ([`bomvet_audit::Auditor::audit_beside`], decision 37).
fn search_lines(sbom: &bomvet_model::Sbom, components: &[usize], source: &LineSource) -> RefLines {
    let wanted: std::collections::HashSet<String> = components
        .iter()
        .map(|&i| &sbom.components[i])
        .filter(|c| c.line.is_none() && !c.id.0.is_empty())
        .map(|c| c.id.as_str().to_owned())
        .collect();
    let lines = ref_lines(source, &wanted);
    (wanted, lines)
}

/// The lines of the `wanted` refs in `source`.
fn ref_lines(
    source: &LineSource,
    wanted: &std::collections::HashSet<String>,
) -> std::collections::HashMap<String, usize> {
    if wanted.is_empty() {
        return std::collections::HashMap::new();
    }
    match source {
        LineSource::Bytes(bytes, format) => {
            bomvet_ingest::ref_lines(bytes, *format, |r| wanted.contains(r))
        }
        LineSource::File(path, format) => {
            bomvet_ingest::ref_lines_in_file(path, *format, |r| wanted.contains(r))
                .unwrap_or_default()
        }
    }
}

/// Fills in the line of the bom-ref / SPDXID / `spdxId` of each finding whose component is
/// written in `file` and whose reader did not give it one (decision 33): the line where the
/// reference is first written in the file. The refs `searched` already (with the audit,
/// [`search_lines`]) take their line from there; the file is searched for the others, if any.
fn annotate_lines(
    findings: &mut [bomvet_audit::Finding],
    file: &str,
    source: &LineSource,
    (searched, found): RefLines,
) {
    let unknown = |f: &bomvet_audit::Finding| {
        f.component.line.is_none() && f.component.file(&f.source) == file
    };
    let wanted: std::collections::HashSet<String> = findings
        .iter()
        .filter(|f| unknown(f) && !f.component.id.is_empty())
        .filter(|f| !searched.contains(&f.component.id))
        .map(|f| f.component.id.clone())
        .collect();
    let more = ref_lines(source, &wanted);
    for f in findings.iter_mut() {
        if unknown(f) {
            let id = &f.component.id;
            f.component.line = found.get(id).or_else(|| more.get(id)).copied();
        }
    }
}
use rayon::prelude::*;

use crate::cli::{
    Cli, ColorArg, Command, DiffArgs, ExplainArgs, FailOnArg, FormatArg, PolicyCommand,
    PolicyFormat, ScanArgs,
};

fn main() {
    let cli = Cli::parse_with_version();
    log::init(cli.log_format, cli.quiet);
    // An internal error is never a pass: a panic anywhere (rayon re-raises worker panics here)
    // ends with exit 2 and says so.
    let result = match std::panic::catch_unwind(|| run(cli)) {
        Ok(r) => r,
        Err(_) => {
            log::error("internal error: bomvet panicked (message above); the audit is incomplete. Please report it with the input that caused it.");
            exit(2);
        }
    };
    match result {
        Ok(code) => exit(code),
        Err(err) => {
            if is_broken_pipe(&err) {
                exit(0);
            }
            let mut msg = err.to_string();
            for cause in err.chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            log::error(&msg);
            exit(2)
        }
    }
}

/// Ends the process once everything is written, without running the exit hooks: mimalloc's
/// would hand every page it keeps back to the OS first, one `madvise` after another, which was a
/// tenth of a 100,000-component scan (perf) for memory the kernel takes back anyway (decision 22).
#[allow(unsafe_code)]
fn exit(code: u8) -> ! {
    // Reports and messages go through these (files are flushed and closed when their writers
    // drop, before this); a flush that fails here has nowhere left to be reported.
    let _ = io::stdout().lock().flush();
    let _ = io::stderr().lock().flush();
    // SAFETY: `_exit` ends the process at once. Nothing else must run at exit: outputs are
    // flushed above, bomvet starts no child processes and leaves no temporary files.
    unsafe { libc::_exit(i32::from(code)) }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => {
            let cfg = if cli.no_config {
                config::Config::default()
            } else {
                config::Config::discover(cli.config.as_deref(), &std::env::current_dir()?)?
            };
            if let Some(p) = &cfg.path {
                log::info(&format!("using config `{}`", p.display()));
            }
            scan(args, cfg, cli.quiet, cli.verbose, cli.color)
        }
        Command::Init { dir, force } => init(&dir, force),
        Command::Validate { files, format } => validate(&files, format),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            let mut out = io::stdout().lock();
            let sh = match shell {
                cli::Shell::Bash => clap_complete::Shell::Bash,
                cli::Shell::Zsh => clap_complete::Shell::Zsh,
                cli::Shell::Fish => clap_complete::Shell::Fish,
                cli::Shell::Powershell => clap_complete::Shell::PowerShell,
            };
            clap_complete::generate(sh, &mut cmd, "bomvet", &mut out);
            Ok(0)
        }
        Command::Man { out_dir } => {
            use clap::CommandFactory;
            let cmd = Cli::command().version(env!("CARGO_PKG_VERSION"));
            match out_dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create `{}`", dir.display()))?;
                    clap_mangen::generate_to(cmd, &dir).with_context(|| {
                        format!("cannot write man pages to `{}`", dir.display())
                    })?;
                }
                None => clap_mangen::Man::new(cmd).render(&mut io::stdout().lock())?,
            }
            Ok(0)
        }
        Command::Explain(args) => explain(args, cli.quiet),
        Command::Diff(args) => diff(args),
        Command::Policy { command } => match command {
            PolicyCommand::Show {
                policy,
                no_default_policy,
                format,
            } => {
                let policy = load_policy(&policy, no_default_policy, cli.quiet)?;
                let mut out = io::stdout().lock();
                match format {
                    PolicyFormat::Json => {
                        serde_json::to_writer_pretty(&mut out, &policy)?;
                        writeln!(out)?;
                    }
                    PolicyFormat::Table => out.write_all(policy_table(&policy).as_bytes())?,
                }
                Ok(0)
            }
            PolicyCommand::Check { files } => {
                let mut failed = false;
                for f in &files {
                    // Each file is checked on top of the default, as `--policy` would load it.
                    let mut p = Policy::embedded_default();
                    match p.add_file(f) {
                        Ok(()) => {
                            for w in &p.warnings {
                                log::warn(w);
                            }
                            println!("{}: ok", f.display());
                        }
                        Err(e) => {
                            log::error(&render_error(&e));
                            failed = true;
                        }
                    }
                }
                Ok(if failed { 2 } else { 0 })
            }
        },
    }
}

fn load_policy(files: &[PathBuf], no_default: bool, quiet: bool) -> Result<Policy> {
    let mut policy = if no_default {
        Policy::empty()
    } else {
        Policy::embedded_default()
    };
    for f in files {
        policy.add_file(f)?;
    }
    if policy.is_empty() {
        return Err(bomvet_policy::PolicyError::Empty)
            .context("a gate without a policy would pass everything; give `--policy FILE`");
    }
    if !quiet {
        for w in &policy.warnings {
            log::warn(w);
        }
    }
    Ok(policy)
}

fn timestamp(arg: Option<&str>) -> Result<Option<String>> {
    if let Some(a) = arg {
        if a == "now" {
            return Ok(Some(
                jiff::Timestamp::now()
                    .round(jiff::Unit::Second)?
                    .to_string(),
            ));
        }
        let t: jiff::Timestamp = a
            .parse()
            .with_context(|| format!("`--timestamp {a}` is not an RFC 3339 time or `now`"))?;
        return Ok(Some(t.to_string()));
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => {
            let secs: i64 = v
                .trim()
                .parse()
                .with_context(|| format!("`SOURCE_DATE_EPOCH={v}` is not a number of seconds"))?;
            Ok(Some(jiff::Timestamp::from_second(secs)?.to_string()))
        }
        _ => Ok(None),
    }
}

/// An input to audit; `walked` when it was found by walking a directory, not named.
struct Input {
    path: PathBuf,
    walked: bool,
    /// Why a walked file is not read although it may be an SBOM: it is a report this run
    /// writes (`-o`).
    skip: Option<&'static str>,
}

/// Why a file found in a directory is skipped ([`bomvet_ingest::is_candidate`]).
const NOT_A_CANDIDATE: &str = "not an SBOM (not a JSON object, XML, SPDX tag-value or YAML; or an HTML page, a SARIF log, a JUnit or bomvet JSON report)";

/// Directories of version control a walk does not enter (decision 36): their files are the
/// history of the ones around them, compressed, never SBOMs in their own right.
const VCS_DIRS: [&str; 4] = [".git", ".hg", ".svn", ".jj"];

/// Expands directories (recursively, sorted, regular files only, version control directories
/// not entered) and keeps `-` for stdin. A walked file that is one of `outputs` (a report the
/// run writes, as on a second run with its report in the audited directory) is kept, to be
/// listed as skipped.
fn discover(inputs: &[PathBuf], outputs: &[PathBuf]) -> Result<Vec<Input>> {
    // Each output that exists, as its file name and its canonical path: only a walked file of
    // the same name is resolved and compared.
    let outputs: Vec<(&std::ffi::OsStr, PathBuf)> = outputs
        .iter()
        .filter_map(|o| Some((o.file_name()?, o.canonicalize().ok()?)))
        .collect();
    let is_output = |path: &std::path::Path| {
        outputs.iter().any(|(name, canonical)| {
            path.file_name() == Some(name) && path.canonicalize().is_ok_and(|p| p == *canonical)
        })
    };
    let mut out = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" || !input.is_dir() {
            out.push(Input {
                path: input.clone(),
                walked: false,
                skip: None,
            });
            continue;
        }
        let mut found = Vec::new();
        let walk = walkdir::WalkDir::new(input)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !e.file_type().is_dir()
                    || !VCS_DIRS.iter().any(|d| e.file_name() == *d)
            });
        for entry in walk {
            let entry = entry.with_context(|| format!("cannot list `{}`", input.display()))?;
            if entry.file_type().is_file() {
                let skip = is_output(entry.path()).then_some("a report this run writes (`-o`)");
                found.push(Input {
                    path: entry.into_path(),
                    walked: true,
                    skip,
                });
            }
        }
        if found.is_empty() {
            bail!("`{}` is a directory with no files", input.display());
        }
        out.extend(found);
    }
    Ok(out)
}

/// What became of one input before the audit.
enum Loaded {
    /// The document, and where the lines of its findings are looked up.
    Sbom(Box<bomvet_model::Sbom>, LineSource),
    Skipped(String),
    Failed(String),
}

/// Standard input, read once (a joined product reads its documents a second time).
fn read_stdin(limits: &limits::Limits) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads one input; `check_schema` adds its schema violations as warnings (see
/// [`schema_diagnostics`]).
fn read_input(
    input: &Input,
    stdin: Option<&io::Result<Vec<u8>>>,
    limits: &limits::Limits,
    strict: bool,
    check_schema: bool,
) -> Loaded {
    let path = &input.path;
    if let Some(why) = input.skip {
        return Loaded::Skipped(format!("`{}`: {why}", path.display()));
    }
    let too_big = || {
        Loaded::Failed(format!(
            "`{}`: larger than the limit of {} bytes (raise it with `--max-file-size`)",
            path.display(),
            limits.max_file_size
        ))
    };
    let bytes = if path.as_os_str() == "-" {
        match stdin {
            Some(Ok(b)) if b.len() as u64 > limits.max_file_size => return too_big(),
            Some(Ok(b)) => Ok(FileBytes::Read(b.clone())),
            Some(Err(e)) => Err(io::Error::new(e.kind(), e.to_string())),
            None => Err(io::Error::other("standard input was not read")),
        }
    } else {
        match std::fs::metadata(path) {
            Ok(m) if m.len() > limits.max_file_size => return too_big(),
            Ok(m) if m.is_dir() => {
                return Loaded::Failed(format!("`{}` is a directory", path.display()))
            }
            // A large JSON or XML file is parsed as it is read (decision 19); one that is to be
            // schema-checked (it needs the bytes), or of another encoding, is read whole below.
            Ok(m)
                if m.len() > limits.stream_above
                    && !(check_schema && (strict || m.len() <= limits.max_schema_check_size)) =>
            {
                match bomvet_ingest::read_streamed(path, &limits.ingest) {
                    Ok(Some(mut sbom)) => {
                        if check_schema {
                            schema_diagnostics(&mut sbom, path, None, limits, strict);
                        }
                        let lines = LineSource::File(path.to_owned(), sbom.format);
                        return loaded(sbom, path, strict, lines);
                    }
                    Ok(None) => FileBytes::open(path),
                    Err(e) => return Loaded::Failed(render_error(&e)),
                }
            }
            _ => FileBytes::open(path),
        }
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(source) => {
            return Loaded::Failed(render_error(&bomvet_ingest::IngestError::Io {
                path: path.to_owned(),
                source,
            }))
        }
    };
    if input.walked && !bomvet_ingest::is_candidate(&bytes) {
        return Loaded::Skipped(format!(
            "`{}`: {NOT_A_CANDIDATE}, found in a directory",
            path.display()
        ));
    }
    let mut sbom = match bomvet_ingest::read_bytes_with(path, &bytes, &limits.ingest) {
        Ok(sbom) => sbom,
        Err(e) => return Loaded::Failed(render_error(&e)),
    };
    if check_schema {
        schema_diagnostics(&mut sbom, path, Some(&bytes), limits, strict);
    }
    let lines = match bytes {
        FileBytes::Read(bytes) => LineSource::Bytes(bytes, sbom.format),
        FileBytes::Mapped(map) => {
            // Unmapped by a thread that has nothing else to do: on this one, unmapping a 75 MB
            // file's pages (~3 ms) kept the audit from starting while the other cores waited.
            rayon::spawn(move || drop(map));
            LineSource::File(path.to_owned(), sbom.format)
        }
    };
    loaded(sbom, path, strict, lines)
}

/// The bytes of an input read whole: a file mapped into memory, or standard input read.
enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl FileBytes {
    /// Maps `path` read-only (an empty file is read: it cannot be mapped).
    ///
    /// Mapped, not read: reading copied the file into fresh memory, and faulting in that memory
    /// and the copy were a sixth of a 100,000-component scan; mapping shares the kernel's
    /// page cache, populated at once on every core (decisions 22, 46).
    #[allow(unsafe_code)]
    fn open(path: &std::path::Path) -> io::Result<FileBytes> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() == 0 {
            return Ok(FileBytes::Read(Vec::new()));
        }
        // SAFETY: the map is read-only and private to this process. Another process that
        // truncates the file while it is being read makes the access fault (SIGBUS): the run
        // ends with a signal, never a pass (decision 22).
        let map = unsafe { memmap2::MmapOptions::new().map(&file)? };
        populate(&map);
        Ok(FileBytes::Mapped(map))
    }
}

/// Maps the pages of `map` in, in pieces of 4 MiB on every core (`MADV_POPULATE_READ`): mapped
/// with `MAP_POPULATE`, the kernel mapped a 75 MB file's pages on the reading thread alone while
/// the others waited (~5 ms of a 100k tag-value scan). A kernel without it (before Linux 5.14)
/// refuses the advice, and the pages are faulted in as they are read.
#[cfg(target_os = "linux")]
fn populate(map: &memmap2::Mmap) {
    use rayon::prelude::*;
    const PIECE: usize = 4 << 20;
    let n = map.len().div_ceil(PIECE);
    (0..n).into_par_iter().for_each(|k| {
        let at = k * PIECE;
        let _ = map.advise_range(memmap2::Advice::PopulateRead, at, PIECE.min(map.len() - at));
    });
}

#[cfg(not(target_os = "linux"))]
fn populate(_: &memmap2::Mmap) {}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Read(v) => v,
        }
    }
}

/// A document read: refused under `--strict` when it deviates from its spec.
fn loaded(
    sbom: bomvet_model::Sbom,
    path: &std::path::Path,
    strict: bool,
    lines: LineSource,
) -> Loaded {
    if strict {
        // --strict: reader warnings and schema violations are errors.
        let problems: Vec<String> = sbom
            .diagnostics
            .iter()
            .filter(|d| d.level != DiagnosticLevel::Note)
            .map(|d| match d.location.as_str() {
                "" => d.message.clone(),
                at => format!("{at}: {}", d.message),
            })
            .collect();
        if !problems.is_empty() {
            let n = problems.len();
            return Loaded::Failed(format!(
                "`{}`: {n} deviation(s) from the spec (--strict): {}{}",
                path.display(),
                problems[..n.min(10)].join("; "),
                if n > 10 { "; ..." } else { "" }
            ));
        }
    }
    Loaded::Sbom(Box::new(sbom), lines)
}

/// Checks the input against its official schema (JSON Schema or XSD) and adds each violation
/// as a warning; when it is not checked, a note says why. `bytes` is `None` for an input parsed
/// through a buffer (decision 19), which is never one to be checked.
fn schema_diagnostics(
    sbom: &mut bomvet_model::Sbom,
    path: &std::path::Path,
    bytes: Option<&[u8]>,
    limits: &limits::Limits,
    strict: bool,
) {
    use bomvet_model::{Diagnostic, Format, Location};
    let note = |message: String| Diagnostic {
        level: DiagnosticLevel::Note,
        location: Location::default(),
        message,
    };
    if sbom.format == Format::SpdxTagValue {
        return; // no schema exists; the reader's warnings are all there is
    }
    let bytes = match bytes {
        Some(b) if strict || b.len() as u64 <= limits.max_schema_check_size => b,
        _ => {
            sbom.diagnostics.push(note(format!(
                "not checked against its schema: larger than `--max-schema-check-size` ({} bytes); `bomvet validate` or `--strict` checks it",
                limits.max_schema_check_size
            )));
            return;
        }
    };
    match bomvet_validate::schema_violations(path, bytes, sbom) {
        Ok(v) => sbom
            .diagnostics
            .extend(v.violations.into_iter().map(|x| Diagnostic {
                level: DiagnosticLevel::Warning,
                location: Location(x.location.into()),
                message: format!("{}: {}", v.checked_against, x.message),
            })),
        Err(e) => sbom.diagnostics.push(note(format!(
            "not checked against a schema: {}",
            render_error(&e)
        ))),
    }
}

/// An error and its sources on one line: what failed, then why.
fn render_error(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

fn scan(
    args: ScanArgs,
    cfg: config::Config,
    quiet: bool,
    verbose: bool,
    color: ColorArg,
) -> Result<u8> {
    // Flags override the config file, which overrides the defaults.
    let c = cfg.scan;
    let parse_cfg = |what: &str, v: &Option<String>, names: &[&str]| -> Result<Option<String>> {
        match v {
            Some(x) if !names.contains(&x.as_str()) => bail!(
                "config `{what} = \"{x}\"`: expected one of {}",
                names.join(", ")
            ),
            other => Ok(other.clone()),
        }
    };
    let policy_files = if args.policy.is_empty() {
        c.policy.clone().unwrap_or_default()
    } else {
        args.policy.clone()
    };
    let no_default_policy = args.no_default_policy || c.no_default_policy.unwrap_or(false);
    let fail_on_arg = match (
        args.fail_on,
        parse_cfg(
            "fail-on",
            &c.fail_on,
            &["block", "review", "needs-context", "info", "never"],
        )?,
    ) {
        (Some(f), _) => f,
        (None, Some(x)) => {
            <FailOnArg as clap::ValueEnum>::from_str(&x, true).map_err(anyhow::Error::msg)?
        }
        (None, None) => FailOnArg::Block,
    };
    let format = match (args.format, c.format.as_deref()) {
        (Some(f), _) => f,
        (None, Some(x)) => <FormatArg as clap::ValueEnum>::from_str(x, true)
            .map_err(|_| anyhow::anyhow!("config `format = \"{x}\"` is not a format"))?,
        (None, None) => FormatArg::Human,
    };
    let non_runtime_cap = match (
        args.non_runtime_cap,
        parse_cfg(
            "non-runtime-cap",
            &c.non_runtime_cap,
            &["block", "review", "needs-context", "info"],
        )?,
    ) {
        (Some(s), _) => s,
        (None, Some(x)) => {
            <cli::SeverityArg as clap::ValueEnum>::from_str(&x, true).map_err(anyhow::Error::msg)?
        }
        (None, None) => cli::SeverityArg::Review,
    };
    let output_specs = if args.output.is_empty() {
        c.outputs.clone().unwrap_or_default()
    } else {
        args.output.clone()
    };
    let waivers_path = args.waivers.clone().or(c.waivers.clone());
    let baseline_path = args.baseline.clone().or(c.baseline.clone());
    let max_unknown_origin = args.max_unknown_origin.or(c.max_unknown_origin);
    let allow_empty = args.allow_empty || c.allow_empty.unwrap_or(false);
    let max_paths = args.max_paths.or(c.max_paths).unwrap_or(5);
    let list_dependents = args.list_dependents || c.list_dependents.unwrap_or(false);
    let link = !(args.no_link || c.no_link.unwrap_or(false));
    let limits = limits::Limits::resolve(&args.limits, &cfg.limits)?;
    let policy = load_policy(&policy_files, no_default_policy, quiet)?;
    let ts = timestamp(args.timestamp.as_deref())?;
    let fail_on = fail_on_of(fail_on_arg);
    // Waivers are checked against the report's date when it has one, else today.
    // In UTC, so a waiver expires at the same moment wherever CI runs.
    let today = {
        let t = match &ts {
            Some(t) => t.parse::<jiff::Timestamp>()?,
            None => jiff::Timestamp::now(),
        };
        jiff::tz::TimeZone::UTC.to_datetime(t).date()
    };
    let waivers = match &waivers_path {
        Some(p) => Some(Waivers::load(p)?),
        None => None,
    };
    let baseline = match &baseline_path {
        Some(p) => Some(Baseline::load(p).map_err(anyhow::Error::msg)?),
        None => None,
    };
    if let Some(pct) = max_unknown_origin {
        if !(0.0..=100.0).contains(&pct) {
            bail!("`--max-unknown-origin {pct}` must be a percentage between 0 and 100");
        }
    }
    let outputs = cli::parse_outputs(&output_specs, format)?;
    let written: Vec<PathBuf> = outputs.iter().filter_map(|(_, p)| p.clone()).collect();
    let paths = discover(&args.files, &written)?;
    if paths.iter().filter(|p| p.path.as_os_str() == "-").count() > 1 {
        bail!("`-` (standard input) can be given only once");
    }
    let auditor = Auditor::new(
        &policy,
        AuditOptions {
            list_dependents,
            max_paths,
            non_runtime_cap: non_runtime_cap.severity(),
            waiver_paths: waivers
                .as_ref()
                .map(Waivers::path_globs)
                .unwrap_or_default(),
        },
    );
    // A progress bar on stderr for many files, only when stderr is a terminal.
    let progress = (!quiet && paths.len() > 1 && io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(paths.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} SBOMs {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let stdin = paths
        .iter()
        .any(|p| p.path.as_os_str() == "-")
        .then(|| read_stdin(&limits));
    // Pass 1: every input read and audited on its own, in parallel; only the keys that link
    // documents are kept with each (see `bomvet_graph::link`).
    let link = link && paths.len() > 1;
    let single = paths.len() == 1;
    let mut outcomes: Vec<(InputOutcome, Option<DocKeys>)> = paths
        .par_iter()
        .inspect(|_| {
            if let Some(b) = &progress {
                b.inc(1);
            }
        })
        .map(
            |p| match read_input(p, stdin.as_ref(), &limits, args.strict, true) {
                Loaded::Sbom(sbom, lines) => {
                    let keys = link.then(|| DocKeys::of(&sbom));
                    let (mut audit, searched) = auditor
                        .audit_beside(&sbom, |candidates| search_lines(&sbom, candidates, &lines));
                    let mut sbom = sbom;
                    let info = SbomInfo::take(&mut sbom);
                    if single {
                        // The only input (`scan` runs once per process): the process ends after
                        // its report and its model's memory goes back with it. Freeing it was
                        // one thread's work at the end of the scan (~20 ms at 100k components)
                        // while the search for lines wanted both.
                        std::mem::forget(sbom);
                        annotate_lines(&mut audit.findings, &info.source, &lines, searched);
                    } else {
                        // The model is freed on one thread while the file is searched again
                        // for the lines of findings on the others.
                        rayon::join(
                            move || drop(sbom),
                            || annotate_lines(&mut audit.findings, &info.source, &lines, searched),
                        );
                    }
                    (InputOutcome::Audited(Box::new((info, audit))), keys)
                }
                Loaded::Skipped(reason) => (
                    InputOutcome::Skipped {
                        source: p.path.display().to_string(),
                        reason,
                    },
                    None,
                ),
                Loaded::Failed(error) => (
                    InputOutcome::Failed {
                        source: p.path.display().to_string(),
                        error,
                    },
                    None,
                ),
            },
        )
        .collect();
    // Pass 2: products that link to supplier SBOMs given in the same run are read again with
    // them, joined into one graph and audited as one.
    if link {
        let keys: Vec<DocKeys> = outcomes
            .iter_mut()
            .map(|(_, k)| k.take().unwrap_or_default())
            .collect();
        let plan = bomvet_graph::link::plan(&keys);
        drop(keys);
        let joined: Vec<(usize, InputOutcome)> = plan
            .products
            .par_iter()
            .map(|(top, members)| {
                let docs: Result<Vec<(bomvet_model::Sbom, LineSource)>, String> =
                    std::iter::once(top)
                        .chain(members)
                        .map(|&k| {
                            match read_input(&paths[k], stdin.as_ref(), &limits, false, false) {
                                Loaded::Sbom(s, lines) => Ok((*s, lines)),
                                Loaded::Skipped(e) | Loaded::Failed(e) => Err(e),
                            }
                        })
                        .collect();
                let outcome = match docs {
                    Ok(docs) => {
                        let (docs, lines): (Vec<_>, Vec<_>) = docs.into_iter().unzip();
                        let sources: Vec<String> = docs.iter().map(|d| d.source.clone()).collect();
                        let sbom = bomvet_graph::link::join(docs);
                        let mut audit = auditor.audit(&sbom);
                        let info = SbomInfo::of(sbom);
                        for (source, lines) in sources.iter().zip(&lines) {
                            annotate_lines(&mut audit.findings, source, lines, RefLines::default());
                        }
                        InputOutcome::Audited(Box::new((info, audit)))
                    }
                    // The file changed between the two reads: the error names it.
                    Err(error) => InputOutcome::Failed {
                        source: paths[*top].path.display().to_string(),
                        error,
                    },
                };
                (*top, outcome)
            })
            .collect();
        for (top, mut outcome) in joined {
            // The product's own diagnostics (schema checks included) are those of pass 1.
            if let (InputOutcome::Audited(new), InputOutcome::Audited(old)) =
                (&mut outcome, &mut outcomes[top].0)
            {
                new.0.diagnostics = std::mem::take(&mut old.0.diagnostics);
            }
            outcomes[top].0 = outcome;
        }
        for (k, into) in plan.joined_into.iter().enumerate() {
            let Some(into) = into else { continue };
            let into = paths[*into].path.display().to_string();
            let o = std::mem::replace(
                &mut outcomes[k].0,
                InputOutcome::Skipped {
                    source: String::new(),
                    reason: String::new(),
                },
            );
            outcomes[k].0 = match o {
                InputOutcome::Audited(b) => InputOutcome::Joined {
                    info: Box::new(b.0),
                    into,
                },
                other => other,
            };
        }
    }
    let outcomes: Vec<InputOutcome> = outcomes.into_iter().map(|(o, _)| o).collect();
    if let Some(b) = progress {
        b.finish_and_clear();
    }
    // Every file skipped: nothing was audited, which is never a pass (a gate over a folder whose
    // SBOMs are missing would pass on the READMEs or reports left in it; decision 36).
    if let Some(InputOutcome::Skipped { reason, .. }) = outcomes.first() {
        if outcomes
            .iter()
            .all(|o| matches!(o, InputOutcome::Skipped { .. }))
        {
            bail!(
                "no SBOM to audit: the {} file(s) found were all skipped as not SBOMs (the first, {reason})",
                outcomes.len(),
            );
        }
    }
    for o in &outcomes {
        if let InputOutcome::Failed { error, .. } = o {
            log::error(error);
        }
    }
    let report = Report::new(
        ToolInfo::new(&policy),
        ts,
        outcomes,
        Gate {
            fail_on,
            max_unknown_origin,
            allow_empty,
            waivers,
            baseline,
            today,
        },
    );
    for (format, target) in &outputs {
        let fmt: OutputFormat = format.output();
        match target {
            None => {
                let options = RenderOptions {
                    verbose,
                    color: use_color(color),
                    width: io::stdout()
                        .is_terminal()
                        .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
                        .flatten(),
                };
                let mut out = io::stdout().lock();
                render(&report, fmt, &options, &mut out)?;
                out.flush()?;
            }
            Some(path) => {
                let options = RenderOptions {
                    verbose,
                    color: false,
                    width: None,
                };
                // Streamed to the file: a report of many findings can be hundreds of MB, and
                // a buffer of it doubled the run's peak memory.
                let cannot = || format!("cannot write `{}`", path.display());
                let mut file =
                    io::BufWriter::new(std::fs::File::create(path).with_context(cannot)?);
                render(&report, fmt, &options, &mut file).with_context(cannot)?;
                file.flush().with_context(cannot)?;
                if !quiet && io::stderr().is_terminal() {
                    log::info(&format!(
                        "wrote {} report to `{}`",
                        fmt.as_str(),
                        path.display()
                    ));
                }
            }
        }
    }
    Ok(u8::try_from(report.verdict.exit_code).unwrap_or(2))
}

fn explain(args: ExplainArgs, quiet: bool) -> Result<u8> {
    use std::fmt::Write as _;
    let policy = load_policy(&args.policy, args.no_default_policy, quiet)?;
    let sbom =
        bomvet_ingest::read_path(&args.sbom).map_err(|e| anyhow::anyhow!(render_error(&e)))?;
    let q = args.component.as_str();
    let pick = |f: &dyn Fn(&bomvet_model::Component) -> bool| -> Vec<usize> {
        sbom.components
            .iter()
            .enumerate()
            .filter(|(_, c)| f(c))
            .map(|(i, _)| i)
            .collect()
    };
    let mut found = pick(&|c| c.id.as_str() == q);
    if found.is_empty() {
        found = pick(&|c| c.name.eq_ignore_ascii_case(q) || c.display_name() == q);
    }
    if found.is_empty() {
        found = pick(&|c| {
            c.purl
                .as_ref()
                .is_some_and(|p| p.value == q || p.value.split(['@', '?', '#']).next() == Some(q))
        });
    }
    if found.is_empty() {
        let lower = q.to_lowercase();
        let similar: Vec<String> = sbom
            .components
            .iter()
            .filter(|c| {
                c.name.to_lowercase().contains(&lower) || c.id.0.to_lowercase().contains(&lower)
            })
            .take(5)
            .map(|c| format!("`{}` ({})", c.id, c.display_name()))
            .collect();
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!("\nhint: did you mean {}?", similar.join(", "))
        };
        bail!(
            "no component `{q}` in `{}` (looked for a ref, a name, name@version and a purl){hint}",
            args.sbom.display()
        );
    }
    let auditor = Auditor::new(&policy, AuditOptions::default());
    let matcher = auditor.matcher();
    let audit = auditor.audit(&sbom);
    let mut out = io::stdout().lock();
    let mut json_items = Vec::new();
    let mut text = String::new();
    for &i in &found {
        let c = &sbom.components[i];
        let trials = matcher.explain(c);
        let findings: Vec<&bomvet_audit::Finding> = audit
            .findings
            .iter()
            .filter(|f| f.component.location == c.location.0 && f.component.id == c.id.0)
            .collect();
        if args.format == FormatArg::Json {
            json_items.push(serde_json::json!({
                "component": c,
                "trials": trials,
                "findings": findings,
            }));
            continue;
        }
        let safe = |s: &str| bomvet_report::inert(s).into_owned();
        let _ = writeln!(
            text,
            "component `{}`: {} [{}]",
            safe(&c.id.0),
            safe(&c.display_name()),
            safe(&sbom.source)
        );
        let _ = writeln!(
            text,
            "  location: {}; type {} ({})",
            safe(&c.location.0),
            safe(c.kind.as_deref().unwrap_or("not stated")),
            match c.class {
                bomvet_model::ComponentClass::Software => "software",
                bomvet_model::ComponentClass::Equipment => "equipment",
            }
        );
        if let Some(f) = findings.iter().find(|f| !f.path_names.is_empty()) {
            let _ = writeln!(text, "  path:     {}", safe(&f.path_names.join(" -> ")));
        }
        let _ = writeln!(text, "\nidentifiers tried ({} fields):", trials.len());
        for t in &trials {
            let _ = writeln!(text, "  {} = \"{}\"", safe(&t.field), safe(&t.value));
            let _ = writeln!(text, "      as {}; key `{}`", t.how, safe(&t.key));
            for h in &t.hits {
                let _ = writeln!(
                    text,
                    "      HIT   {} \"{}\" ({} evidence){}",
                    h.identifier.as_str(),
                    safe(&h.matched),
                    h.confidence.as_str(),
                    h.max_severity
                        .map(|s| format!(", capped at {s}"))
                        .unwrap_or_default()
                );
            }
            if t.hits.is_empty() {
                let _ = writeln!(text, "      no match");
            }
            for n in &t.near_misses {
                let _ = writeln!(text, "      near miss: {}", safe(n));
            }
        }
        let _ = writeln!(text, "\nverdict:");
        if findings.is_empty() {
            let _ = writeln!(
                text,
                "  not flagged: no identifier of the policy matched, and its origin is stated"
            );
        }
        for f in &findings {
            let _ = writeln!(
                text,
                "  {} {}: {}",
                f.severity,
                f.code.as_str(),
                safe(&f.message)
            );
            for r in f.legal_basis() {
                let _ = writeln!(
                    text,
                    "    {} under {} ({})",
                    r.severity,
                    r.id,
                    r.citation.as_deref().unwrap_or(&r.title)
                );
            }
            for cap in &f.caps {
                let _ = writeln!(text, "    lowered: {cap}");
            }
        }
        text.push('\n');
    }
    if args.format == FormatArg::Json {
        serde_json::to_writer_pretty(&mut out, &json_items)?;
        writeln!(out)?;
    } else {
        out.write_all(text.as_bytes())?;
    }
    Ok(0)
}

/// `bomvet validate`: every file against its official schema.
fn validate(files: &[PathBuf], format: FormatArg) -> Result<u8> {
    use std::fmt::Write as _;
    /// What became of one file.
    enum Checked {
        Done(bomvet_validate::Validation),
        Unreadable(String),
        /// Found in a directory and not an SBOM candidate (decisions 13 and 36), as `scan`
        /// skips it.
        Skipped(String),
    }
    let inputs = discover(files, &[])?;
    let results: Vec<(String, Checked)> = inputs
        .par_iter()
        .map(|i| {
            let r = match std::fs::read(&i.path) {
                Err(e) => Checked::Unreadable(format!("cannot read `{}`: {e}", i.path.display())),
                Ok(b) if i.walked && !bomvet_ingest::is_candidate(&b) => {
                    Checked::Skipped(format!("{NOT_A_CANDIDATE}, found in a directory"))
                }
                Ok(b) => match bomvet_validate::validate(&i.path, &b) {
                    Ok(v) => Checked::Done(v),
                    Err(e) => Checked::Unreadable(render_error(&e)),
                },
            };
            (i.path.display().to_string(), r)
        })
        .collect();
    let count = |f: fn(&Checked) -> bool| results.iter().filter(|(_, r)| f(r)).count();
    let unreadable = count(|r| matches!(r, Checked::Unreadable(_)));
    let skipped = count(|r| matches!(r, Checked::Skipped(_)));
    let invalid = count(|r| matches!(r, Checked::Done(v) if !v.violations.is_empty()));
    let mut out = io::stdout().lock();
    if format == FormatArg::Json {
        let items: Vec<serde_json::Value> = results
            .iter()
            .map(|(p, r)| match r {
                Checked::Done(v) => {
                    serde_json::json!({"source": p, "valid": v.violations.is_empty(), "result": v})
                }
                Checked::Unreadable(e) => {
                    serde_json::json!({"source": p, "valid": false, "error": e})
                }
                Checked::Skipped(why) => serde_json::json!({"source": p, "skipped": why}),
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &items)?;
        writeln!(out)?;
    } else {
        let mut t = String::new();
        for (p, r) in &results {
            let p = bomvet_report::inert(p);
            match r {
                Checked::Done(v) if v.violations.is_empty() => {
                    let _ = writeln!(
                        t,
                        "{p}: valid ({} {}; {})",
                        v.format, v.spec_version, v.checked_against
                    );
                }
                Checked::Done(v) => {
                    let _ = writeln!(
                        t,
                        "{p}: {} violation(s) ({} {}; {})",
                        v.violations.len(),
                        v.format,
                        v.spec_version,
                        v.checked_against
                    );
                    for x in &v.violations {
                        let _ = writeln!(
                            t,
                            "  {}: {}",
                            bomvet_report::inert(&x.location),
                            bomvet_report::inert(&x.message)
                        );
                    }
                }
                Checked::Unreadable(e) => {
                    let _ = writeln!(t, "{p}: could not be read: {}", bomvet_report::inert(e));
                }
                Checked::Skipped(why) => {
                    let _ = writeln!(t, "{p}: skipped: {why}");
                }
            }
        }
        let _ = write!(
            t,
            "{} file(s): {} valid, {invalid} invalid, {unreadable} unreadable",
            results.len(),
            results.len() - invalid - unreadable - skipped
        );
        if skipped > 0 {
            let _ = write!(t, ", {skipped} skipped (not SBOMs)");
        }
        t.push('\n');
        out.write_all(t.as_bytes())?;
    }
    Ok(if unreadable > 0 {
        2
    } else if invalid > 0 {
        1
    } else {
        0
    })
}

/// `bomvet init`: starter config, policy and waiver files, never overwriting without `--force`.
fn init(dir: &std::path::Path, force: bool) -> Result<u8> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let files = [
        (config::FILE_NAME, config::STARTER_CONFIG),
        ("bomvet-policy.toml", config::STARTER_POLICY),
        ("bomvet-waivers.toml", config::STARTER_WAIVERS),
    ];
    for (name, _) in &files {
        let p = dir.join(name);
        if p.exists() && !force {
            bail!("`{}` exists; use `--force` to overwrite", p.display());
        }
    }
    let mut out = io::stdout().lock();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("cannot write `{}`", p.display()))?;
        writeln!(out, "wrote {}", p.display())?;
    }
    Ok(0)
}

fn fail_on_of(a: FailOnArg) -> FailOn {
    match a {
        FailOnArg::Block => FailOn::Severity(Severity::Block),
        FailOnArg::Review => FailOn::Severity(Severity::Review),
        FailOnArg::NeedsContext => FailOn::Severity(Severity::NeedsContext),
        FailOnArg::Info => FailOn::Severity(Severity::Info),
        FailOnArg::Never => FailOn::Never,
    }
}

/// Compares two JSON reports by finding fingerprint.
fn diff(args: DiffArgs) -> Result<u8> {
    use std::fmt::Write as _;
    // Read as `scan --baseline` reads a baseline: a fingerprint's finding at its highest
    // severity, a severity bomvet does not write refused (exit 2).
    let load = |p: &PathBuf| {
        bomvet_audit::ReportFindings::load(p)
            .map(|r| r.findings)
            .map_err(anyhow::Error::msg)
    };
    let old = load(&args.old)?;
    let new = load(&args.new)?;
    let added: Vec<&bomvet_audit::ReportFinding> = new
        .iter()
        .filter(|(k, _)| !old.contains_key(*k))
        .map(|(_, f)| f)
        .collect();
    let fixed: Vec<&serde_json::Value> = old
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(_, f)| &f.json)
        .collect();
    let unwaived = |f: &serde_json::Value| f["waiver"].is_null();
    let changed: Vec<(&bomvet_audit::ReportFinding, &bomvet_audit::ReportFinding)> = new
        .iter()
        .filter_map(|(k, v)| old.get(k).map(|o| (o, v)))
        .filter(|(o, v)| o.severity != v.severity || unwaived(&o.json) != unwaived(&v.json))
        .collect();
    let fail_on = fail_on_of(args.fail_on);
    let gating = added
        .iter()
        .filter(|f| unwaived(&f.json) && fail_on.gates(f.severity))
        .count();
    // A finding whose severity rose to the threshold gates like a new one: the old report
    // accepted it at its old severity (as `scan --baseline` does).
    let raised = changed
        .iter()
        .filter(|(o, n)| unwaived(&n.json) && n.severity > o.severity && fail_on.gates(n.severity))
        .count();
    let mut out = io::stdout().lock();
    if args.format == FormatArg::Json {
        let changed_json: Vec<serde_json::Value> = changed
            .iter()
            .map(|(o, n)| serde_json::json!({"old": o.json, "new": n.json}))
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({"new": added.iter().map(|f| &f.json).collect::<Vec<_>>(), "fixed": fixed, "changed": changed_json, "gating_new": gating, "gating_raised": raised}),
        )?;
        writeln!(out)?;
    } else {
        let mut t = String::new();
        let line = |f: &serde_json::Value| {
            bomvet_report::inert(&format!(
                "{:<13} {:<18} {}",
                f["severity"].as_str().unwrap_or(""),
                f["code"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            ))
            .into_owned()
        };
        let _ = writeln!(t, "new ({}):", added.len());
        for f in &added {
            let _ = writeln!(t, "  + {}", line(&f.json));
        }
        let _ = writeln!(t, "fixed ({}):", fixed.len());
        for f in &fixed {
            let _ = writeln!(t, "  - {}", line(f));
        }
        let _ = writeln!(t, "changed ({}):", changed.len());
        for (o, n) in &changed {
            let _ = writeln!(
                t,
                "  ~ {} (was {}{})",
                line(&n.json),
                o.json["severity"].as_str().unwrap_or(""),
                if unwaived(&o.json) { "" } else { ", waived" }
            );
        }
        let _ = writeln!(
            t,
            "{gating} new finding(s) at or above `{}`",
            fail_on.as_str()
        );
        if raised > 0 {
            let _ = writeln!(
                t,
                "{raised} finding(s) raised to or above `{}`",
                fail_on.as_str()
            );
        }
        out.write_all(t.as_bytes())?;
    }
    Ok(if gating + raised > 0 { 1 } else { 0 })
}

fn policy_table(p: &Policy) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "Policy: {}", p.meta.name);
    if let Some(d) = &p.meta.default_date {
        let _ = writeln!(o, "Facts of: {d}");
    }
    let _ = writeln!(o, "Sources: {}\n", p.meta.sources.join(", "));
    let _ = writeln!(o, "Lists ({}):", p.lists.len());
    let _ = writeln!(
        o,
        "  {:<27} {:<4} {:<10} {:<8} {:<8} {:<8} title / citation",
        "id", "jur", "date", "embedded", "severity", "software"
    );
    for l in &p.lists {
        let _ = writeln!(
            o,
            "  {:<27} {:<4} {:<10} {:<8} {:<8} {:<8} {}",
            l.id,
            l.jurisdiction.as_deref().unwrap_or("-"),
            l.date.as_deref().unwrap_or("-"),
            if l.reaches_embedded { "yes" } else { "no" },
            l.severity.as_str(),
            l.software_severity.unwrap_or(l.severity).as_str(),
            l.title
        );
        if let Some(c) = &l.citation {
            let _ = writeln!(o, "  {:<77} {c}", "");
        }
    }
    let _ = writeln!(o, "\nEntities ({}):", p.entities.len());
    for e in &p.entities {
        let lists: Vec<&str> = e.lists.iter().map(|&i| p.lists[i].id.as_str()).collect();
        let _ = writeln!(
            o,
            "  {:<22} {:<3} {} identifiers; lists: {}",
            e.id,
            e.countries.join(","),
            e.identifiers.len(),
            lists.join(", ")
        );
        if !e.purpose_limited.is_empty() {
            let pl: Vec<&str> = e
                .purpose_limited
                .iter()
                .map(|&i| p.lists[i].id.as_str())
                .collect();
            let _ = writeln!(o, "  {:<26} purpose-limited under: {}", "", pl.join(", "));
        }
    }
    o
}
