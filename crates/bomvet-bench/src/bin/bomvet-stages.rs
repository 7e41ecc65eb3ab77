//! The stages of a scan timed one by one, in one process, best of N: reading, the graph's build
//! and passes, matching, the ancestors of some components. `bomvet-bench` times whole scans as
//! users run them; this says where the time of one goes, for the steps that instruction counts
//! do not rank (the graph's build and walks are cache misses, not instructions: decision 44).
//!
//! ```text
//! cargo run --release -p bomvet-bench --bin bomvet-stages -- FILE [RUNS]
//! RAYON_NUM_THREADS=1 cargo run --release -p bomvet-bench --bin bomvet-stages -- FILE
//! ```
//!
//! With bomvet's allocator (mimalloc, as `bomvet` is built), so that reading costs what it costs
//! in a scan.
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The best time of `runs` calls of `f`, in milliseconds, and the last call's result.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let out = f();
        best = best.min(start.elapsed().as_secs_f64() * 1e3);
        last = Some(out);
    }
    (best, last.expect("at least one run"))
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .context("usage: bomvet-stages FILE [RUNS] (RAYON_NUM_THREADS=1 for one thread)")?;
    let runs: usize = match args.next() {
        Some(r) => r.parse().context("RUNS must be a number")?,
        None => 5,
    };
    let path = Path::new(&path);
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    println!(
        "{}: {:.1} MB, best of {runs}, {} thread(s)",
        path.display(),
        bytes.len() as f64 / 1e6,
        rayon::current_num_threads()
    );
    let (ms, sbom) = best(runs, || bomvet_ingest::read_bytes(path, &bytes));
    let sbom = sbom?;
    println!(
        "read            {ms:8.1} ms  ({} components, {} relationships)",
        sbom.components.len(),
        sbom.relationships.len()
    );
    let (ms, graph) = best(runs, || bomvet_graph::SbomGraph::build(&sbom));
    println!(
        "graph build     {ms:8.1} ms  ({} edges)",
        graph.edge_count()
    );
    let (ms, _) = best(runs, || graph.reach());
    println!("reach           {ms:8.1} ms");
    let (ms, _) = best(runs, || graph.path_counts());
    println!("path counts     {ms:8.1} ms");
    let none_excluded = vec![false; sbom.components.len()];
    let (ms, _) = best(runs, || graph.runtime_reachable(&none_excluded));
    println!("run-time reach  {ms:8.1} ms");
    let policy = bomvet_policy::Policy::embedded_default();
    let matcher = bomvet_policy::Matcher::new(&policy);
    let (ms, hits) = best(runs, || {
        sbom.components
            .iter()
            .filter(|c| !matcher.match_component(c).is_empty())
            .count()
    });
    println!("match (1 thread){ms:8.1} ms  ({hits} components matched)");
    // Every 97th component: a batch pass over the graph per 64 of them.
    let targets: Vec<usize> = (0..sbom.components.len()).step_by(97).collect();
    let (ms, _) = best(runs, || graph.ancestors_of(&targets));
    println!(
        "ancestors       {ms:8.1} ms  (of {} components)",
        targets.len()
    );
    Ok(())
}
