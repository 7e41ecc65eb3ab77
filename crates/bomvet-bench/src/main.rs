//! `make bench`: for each size and encoding, the wall time, MB/s, components/s and peak memory of
//! the real `bomvet scan` binary (JSON report), next to a baseline run the same way (a process of
//! its own, wall time including start-up and reading, peak RSS from `wait4`): for JSON "read the
//! file and parse it with serde_json into a minimal borrowed struct of the fields an audit needs",
//! for CycloneDX XML a quick-xml event pass over the bytes, for SPDX tag-value a line scanner.
//! The two alternate, run by run: `ratio` is the best scan over the best baseline, `median pair
//! ratio` the median of each run's scan over the baseline run just before it (on a shared VM
//! whose speed moves within minutes, the pairs are the steadier figure).
//!
//! Files are generated once by `bomvet-gen` into `target/bench-data` (seed 1) and reused.
//!
//! ```text
//! cargo run --release -p bomvet-bench -- [--sizes 1000,10000,100000] [--formats cdx-json,cdx-xml,spdx-json,spdx-tv,spdx3-json]
//!     [--runs 3] [--threads 1,2] [--portfolio FILES] [--scan-arg ARG]...
//! ```
//!
//! `--scan-arg` passes one more argument to every `bomvet scan` (for instance
//! `--scan-arg --max-schema-check-size=0` to leave out the schema check).

#![allow(clippy::print_stdout, clippy::print_stderr)]

const USAGE: &str = "usage: bomvet-bench [--sizes 1000,10000,100000] [--formats cdx-json,cdx-xml,spdx-json,spdx-tv,spdx3-json]
       [--runs 3] [--threads 1,2] [--portfolio FILES] [--policy-entities N] [--scan-arg ARG]...
       [--bomvet PATH] [--data DIR]
(`make bench BENCH_ARGS=\"...\"`; see README \"Benchmarks\")";

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)]
struct MinCdx<'a> {
    #[serde(borrow)]
    components: Vec<MinCdxComp<'a>>,
    #[serde(borrow, default)]
    dependencies: Vec<MinDep<'a>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct MinCdxComp<'a> {
    #[serde(rename = "bom-ref", borrow)]
    bom_ref: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    purl: Option<Cow<'a, str>>,
    #[serde(borrow)]
    supplier: Option<MinSupplier<'a>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct MinSupplier<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct MinDep<'a> {
    #[serde(rename = "ref", borrow)]
    reference: Cow<'a, str>,
    #[serde(rename = "dependsOn", borrow, default)]
    depends_on: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct MinSpdx<'a> {
    #[serde(borrow)]
    packages: Vec<MinPkg<'a>>,
    #[serde(borrow, default)]
    relationships: Vec<MinRel<'a>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct MinPkg<'a> {
    #[serde(rename = "SPDXID", borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(rename = "versionInfo", borrow)]
    version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    supplier: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct MinRel<'a> {
    #[serde(rename = "spdxElementId", borrow)]
    a: Cow<'a, str>,
    #[serde(rename = "relationshipType", borrow)]
    kind: Cow<'a, str>,
    #[serde(rename = "relatedSpdxElement", borrow)]
    b: Cow<'a, str>,
}

/// SPDX 3 JSON-LD: the `@graph` elements, each with the fields an audit reads.
#[derive(Deserialize)]
#[allow(dead_code)]
struct MinSpdx3<'a> {
    #[serde(rename = "@graph", borrow)]
    graph: Vec<MinSpdx3Element<'a>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct MinSpdx3Element<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(rename = "spdxId", borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(rename = "software_packageVersion", borrow)]
    version: Option<Cow<'a, str>>,
    #[serde(rename = "software_packageUrl", borrow)]
    purl: Option<Cow<'a, str>>,
    #[serde(rename = "suppliedBy", borrow)]
    supplier: Option<Cow<'a, str>>,
    #[serde(borrow)]
    from: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    to: Vec<Cow<'a, str>>,
}

/// What the baseline of an encoding is, for the table.
fn baseline_name(format: bomvet_gen::Format) -> &'static str {
    match format {
        bomvet_gen::Format::CyclonedxXml => "quick-xml events",
        bomvet_gen::Format::SpdxTagValue => "line scan",
        _ => "serde_json struct",
    }
}

/// Reads the file and makes the baseline pass over it; returns the component count. JSON: serde_json
/// into the minimal borrowed struct. XML: every event of a quick-xml reader over the bytes (names
/// and attributes borrowed, nothing built). Tag-value: each line split at its tag (`PackageName`
/// lines counted).
fn baseline(path: &Path, format: bomvet_gen::Format) -> Result<usize> {
    let bytes = std::fs::read(path)?;
    Ok(match format {
        bomvet_gen::Format::CyclonedxJson => {
            let b: MinCdx<'_> = serde_json::from_slice(&bytes)?;
            std::hint::black_box(&b);
            b.components.len()
        }
        bomvet_gen::Format::SpdxJson => {
            let b: MinSpdx<'_> = serde_json::from_slice(&bytes)?;
            std::hint::black_box(&b);
            b.packages.len()
        }
        bomvet_gen::Format::Spdx3Json => {
            let b: MinSpdx3<'_> = serde_json::from_slice(&bytes)?;
            std::hint::black_box(&b);
            b.graph
                .iter()
                .filter(|e| e.kind == "software_Package")
                .count()
        }
        bomvet_gen::Format::CyclonedxXml => {
            let mut reader = quick_xml::Reader::from_reader(&bytes[..]);
            let mut n = 0;
            loop {
                match reader.read_event()? {
                    quick_xml::events::Event::Start(e) => {
                        if e.local_name().as_ref() == b"component" {
                            n += 1;
                        }
                        for a in e.attributes() {
                            std::hint::black_box(a?);
                        }
                    }
                    quick_xml::events::Event::Eof => break,
                    other => {
                        std::hint::black_box(other);
                    }
                }
            }
            n
        }
        bomvet_gen::Format::SpdxTagValue => {
            let text = std::str::from_utf8(&bytes)?;
            let mut n = 0;
            for line in text.lines() {
                if let Some((tag, value)) = line.split_once(": ") {
                    std::hint::black_box(value);
                    if tag == "PackageName" {
                        n += 1;
                    }
                }
            }
            n
        }
    })
}

/// Runs a command and returns its wall time and peak resident memory (bytes), from `wait4`.
#[allow(unsafe_code)]
fn measure(cmd: &mut Command) -> Result<(Duration, u64, i32)> {
    let start = Instant::now();
    let child = cmd.spawn().context("spawn")?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct that wait4 fills; zeroed is a valid initial value.
    // `pid` is our own child, not yet reaped (std never waited on it).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if r < 0 {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    std::mem::forget(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // ru_maxrss is in kilobytes on Linux.
    Ok((wall, usage.ru_maxrss as u64 * 1024, code))
}

fn ensure(data: &Path, format: bomvet_gen::Format, n: usize) -> Result<PathBuf> {
    // The generator's version is in the name: a file of an older generator is not reused.
    let path = data.join(format!(
        "gen-v{}-{n}.{}",
        bomvet_gen::VERSION,
        format.extension()
    ));
    if !path.exists() {
        eprintln!("generating {} ...", path.display());
        let mut f = std::fs::File::create(&path)?;
        let truth = bomvet_gen::generate(
            &bomvet_gen::Options {
                components: n,
                seed: 1,
                format,
                plants: true,
            },
            &mut f,
        )?;
        let t = std::fs::File::create(path.with_extension("truth.json"))?;
        serde_json::to_writer_pretty(t, &truth)?;
    }
    Ok(path)
}

fn main() -> Result<()> {
    let mut sizes = vec![1_000usize, 10_000, 100_000];
    let mut formats = bomvet_gen::Format::ALL.to_vec();
    let mut runs = 3usize;
    let mut threads: Vec<usize> = Vec::new();
    let mut portfolio = 0usize;
    let mut policy_entities = 0usize;
    let mut scan_args: Vec<String> = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut bomvet = root.join("target/release/bomvet");
    let mut data = root.join("target/bench-data");
    let mut args = std::env::args().skip(1);
    // Child mode: the baseline parse in a process of its own, so its memory is its own too.
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--baseline-child") {
        let format = argv
            .get(3)
            .and_then(|f| bomvet_gen::Format::from_name(f))
            .context("--baseline-child FILE FORMAT")?;
        let n = baseline(Path::new(&argv[2]), format)?;
        println!("{n}");
        return Ok(());
    }
    while let Some(a) = args.next() {
        let mut v = || args.next().with_context(|| format!("`{a}` needs a value"));
        match a.as_str() {
            "--sizes" => {
                sizes = v()?
                    .split(',')
                    .map(|s| s.replace('_', "").parse())
                    .collect::<Result<_, _>>()?
            }
            "--formats" => {
                formats = v()?
                    .split(',')
                    .map(|s| {
                        bomvet_gen::Format::from_name(s)
                            .with_context(|| format!("unknown format `{s}`"))
                    })
                    .collect::<Result<_>>()?
            }
            "--runs" => runs = v()?.parse()?,
            "--threads" => threads = v()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--portfolio" => portfolio = v()?.parse()?,
            "--policy-entities" => policy_entities = v()?.replace('_', "").parse()?,
            "--bomvet" => bomvet = PathBuf::from(v()?),
            "--scan-arg" => scan_args.push(v()?),
            "--data" => data = PathBuf::from(v()?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument `{other}`\n\n{USAGE}"),
        }
    }
    if !bomvet.exists() {
        let status = Command::new("cargo")
            .args(["build", "--release", "-q", "-p", "bomvet"])
            .current_dir(&root)
            .status()?;
        if !status.success() {
            bail!("cannot build bomvet");
        }
    }
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    std::fs::create_dir_all(&data)?;
    println!(
        "machine: {} cores; bomvet {}; best of {runs} runs\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        bomvet.display()
    );

    if portfolio > 0 {
        return portfolio_bench(&bomvet, &data, portfolio, &threads, runs, &scan_args);
    }
    if policy_entities > 0 {
        return policy_bench(&bomvet, &data, policy_entities, &sizes, runs);
    }

    println!("| encoding | components | file MB | baseline | baseline s | bomvet scan s | ratio | median pair ratio | scan MB/s | components/s | baseline peak MB | scan peak MB | scan peak / file |");
    println!("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let me = std::env::current_exe()?;
    for &format in &formats {
        for &n in &sizes {
            let path = ensure(&data, format, n)?;
            let bytes = std::fs::metadata(&path)?.len();
            let mb = bytes as f64 / 1e6;
            // Baseline and scan alternate, run by run, so that each pair meets the machine in
            // the same moment: on a shared VM whose speed moves by 20-30% within minutes, the
            // best of N baselines and the best of N scans taken minutes apart gave ratios from
            // 1.07x to 1.74x for the same build; the median of the pairs' ratios moves less.
            let mut base = Duration::MAX;
            let mut base_rss = 0u64;
            let mut best = Duration::MAX;
            let mut rss = 0u64;
            let mut pair_ratios = Vec::with_capacity(runs);
            for _ in 0..runs {
                let mut cmd = Command::new(&me);
                cmd.arg("--baseline-child")
                    .arg(&path)
                    .arg(format.as_str())
                    .stdout(std::process::Stdio::null());
                let (base_wall, peak, code) = measure(&mut cmd)?;
                if code != 0 {
                    bail!("baseline failed on {}", path.display());
                }
                base = base.min(base_wall);
                base_rss = base_rss.max(peak);
                let mut cmd = Command::new(&bomvet);
                cmd.arg("scan").arg(&path).args([
                    "--format",
                    "json",
                    "-o",
                    "/dev/null",
                    "--fail-on",
                    "never",
                    "-q",
                ]);
                cmd.args(&scan_args);
                for t in &threads {
                    cmd.env("RAYON_NUM_THREADS", t.to_string());
                }
                let (wall, peak, code) = measure(&mut cmd)?;
                if code != 0 {
                    bail!("bomvet exited {code} on {}", path.display());
                }
                best = best.min(wall);
                rss = rss.max(peak);
                pair_ratios.push(wall.as_secs_f64() / base_wall.as_secs_f64());
            }
            pair_ratios.sort_by(f64::total_cmp);
            let pair_ratio = pair_ratios[pair_ratios.len() / 2];
            let comps = n;
            let s = best.as_secs_f64();
            println!(
                "| {} | {n} | {mb:.1} | {} | {:.3} | {s:.3} | {:.2}x | {pair_ratio:.2}x | {:.0} | {:.0} | {:.0} | {:.0} | {:.2}x |",
                format.as_str(),
                baseline_name(format),
                base.as_secs_f64(),
                s / base.as_secs_f64(),
                mb / s,
                (comps + 1) as f64 / s,
                base_rss as f64 / 1e6,
                rss as f64 / 1e6,
                rss as f64 / bytes as f64
            );
        }
    }
    Ok(())
}

/// Many small SBOMs in one directory, scanned with 1, 2, ... threads.
fn portfolio_bench(
    bomvet: &Path,
    data: &Path,
    files: usize,
    threads: &[usize],
    runs: usize,
    scan_args: &[String],
) -> Result<()> {
    let dir = data.join(format!("portfolio-v{}-{files}", bomvet_gen::VERSION));
    if !dir.exists() {
        std::fs::create_dir_all(&dir)?;
        for i in 0..files {
            let format = if i % 2 == 0 {
                bomvet_gen::Format::CyclonedxJson
            } else {
                bomvet_gen::Format::SpdxJson
            };
            let mut f = std::fs::File::create(dir.join(format!("p{i:05}.{}", format.extension())))?;
            bomvet_gen::generate(
                &bomvet_gen::Options {
                    components: 300 + (i * 37) % 1_700,
                    seed: i as u64 + 1,
                    format,
                    plants: i % 10 == 0,
                },
                &mut f,
            )?;
        }
    }
    let threads: Vec<usize> = if threads.is_empty() {
        vec![1, 2]
    } else {
        threads.to_vec()
    };
    println!("portfolio: {files} SBOMs in {}\n", dir.display());
    println!("| threads | wall s | speed-up vs 1 thread | peak RSS MB |");
    println!("|---:|---:|---:|---:|");
    let mut one = None;
    for &t in &threads {
        let mut best = Duration::MAX;
        let mut rss = 0;
        for _ in 0..runs {
            let mut cmd = Command::new(bomvet);
            cmd.arg("scan")
                .arg(&dir)
                .args([
                    "--format",
                    "json",
                    "-o",
                    "/dev/null",
                    "--fail-on",
                    "never",
                    "-q",
                ])
                .args(scan_args)
                .env("RAYON_NUM_THREADS", t.to_string());
            let (wall, peak, code) = measure(&mut cmd)?;
            if code != 0 {
                bail!("bomvet exited {code}");
            }
            best = best.min(wall);
            rss = rss.max(peak);
        }
        let base = *one.get_or_insert(best);
        println!(
            "| {t} | {:.3} | {:.2}x | {:.0} |",
            best.as_secs_f64(),
            base.as_secs_f64() / best.as_secs_f64(),
            rss as f64 / 1e6
        );
    }
    Ok(())
}

/// A synthetic policy of `n` entities, each with names, domains, a CPE vendor, a purl namespace
/// (every tenth a glob) and a product: the size of an organisation's own vendor list.
fn write_policy(path: &Path, n: usize) -> Result<()> {
    use std::fmt::Write as _;
    let mut t = String::from(
        "[policy]\nname = \"synthetic\"\n\n[[list]]\nid = \"synthetic-list\"\ntitle = \"Synthetic list\"\nreaches-embedded = true\nseverity = \"review\"\n\n",
    );
    for i in 0..n {
        let glob = if i % 10 == 0 { "*" } else { "" };
        let _ = write!(
            t,
            "[[entity]]\nid = \"e{i}\"\nlists = [\"synthetic-list\"]\nlegal-names = [\"Restricted Holding {i} Ltd.\", \"Restricted Devices {i} Co.\"]\naliases = [\"RH{i}\"]\ndomains = [\"restricted{i}.invalid\"]\ncpe-vendors = [\"restricted{i}\"]\npurl-namespaces = [\"pkg:maven/com.restricted{i}{glob}\"]\nproducts = [\"Restricted Engine {i}\"]\n\n"
        );
    }
    std::fs::write(path, t)?;
    Ok(())
}

/// Scan time with the default policy and with the default plus `n` synthetic entities.
fn policy_bench(bomvet: &Path, data: &Path, n: usize, sizes: &[usize], runs: usize) -> Result<()> {
    let policy = data.join(format!("policy-{n}.toml"));
    if !policy.exists() {
        write_policy(&policy, n)?;
    }
    println!("| components | policy | entities | bomvet scan s | vs default |");
    println!("|---:|---|---:|---:|---:|");
    for &size in sizes {
        let path = ensure(data, bomvet_gen::Format::CyclonedxJson, size)?;
        let mut default = None;
        for (label, extra) in [("default", None), ("default + synthetic", Some(&policy))] {
            let mut best = Duration::MAX;
            for _ in 0..runs {
                let mut cmd = Command::new(bomvet);
                cmd.arg("scan").arg(&path).args([
                    "--format",
                    "json",
                    "-o",
                    "/dev/null",
                    "--fail-on",
                    "never",
                    "-q",
                ]);
                if let Some(p) = extra {
                    cmd.arg("--policy").arg(p);
                }
                let (wall, _, code) = measure(&mut cmd)?;
                if code != 0 {
                    bail!("bomvet exited {code}");
                }
                best = best.min(wall);
            }
            let base = *default.get_or_insert(best);
            let entities = if extra.is_some() { n + 9 } else { 9 };
            println!(
                "| {size} | {label} | {entities} | {:.3} | {:.2}x |",
                best.as_secs_f64(),
                best.as_secs_f64() / base.as_secs_f64()
            );
        }
    }
    Ok(())
}
