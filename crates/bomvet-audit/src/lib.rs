//! Findings: what is restricted, by which rule, through which path, how sure we are, and the one
//! place that decides pass or fail.
//!
//! [`Auditor::audit`] turns one [`Sbom`] into findings; [`Report::new`] gathers the outcomes of
//! every input of a run, sorts them into a stable order and decides the gate. The report is a
//! plain `Serialize` value: `--format json` is that value, and `schemas/report.schema.json`
//! describes it.

pub mod waiver;

use std::collections::{BTreeMap, HashMap};

use bomvet_graph::{Ancestors, GraphIssue, RefIndex, SbomGraph};
use bomvet_model::{Component, ComponentClass, Diagnostic, EdgeKind, Format, Sbom};
use bomvet_policy::{assess, ComponentContext, Matcher};
pub use bomvet_policy::{Confidence, Evidence, IdentKind, Policy, Severity};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
pub use waiver::{WaiverError, Waivers};

/// Version of the JSON report layout; bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Stable finding codes. Each has a description ([`Code::description`]) and a docs entry in
/// README.md; a test checks they are unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// A component matches a restricted entity of the policy.
    RestrictedOrigin,
    /// A component's country of origin is restricted by a country rule of the policy.
    RestrictedCountry,
    /// Nothing in the component says who made or supplied it.
    UnknownOrigin,
    /// A relationship or root points at a reference no component has.
    DanglingRef,
    /// Two components share one bom-ref or SPDXID.
    DuplicateRef,
    /// Components include each other in a cycle (or a component includes itself).
    DependencyCycle,
    /// A waiver matched a finding after its expiry date, so it no longer waives it.
    ExpiredWaiver,
    /// A waiver matched no finding.
    UnusedWaiver,
}

impl Code {
    /// Every code.
    pub const ALL: [Code; 8] = [
        Code::RestrictedOrigin,
        Code::RestrictedCountry,
        Code::UnknownOrigin,
        Code::DanglingRef,
        Code::DuplicateRef,
        Code::DependencyCycle,
        Code::ExpiredWaiver,
        Code::UnusedWaiver,
    ];

    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::RestrictedOrigin => "restricted-origin",
            Code::RestrictedCountry => "restricted-country",
            Code::UnknownOrigin => "unknown-origin",
            Code::DanglingRef => "dangling-ref",
            Code::DuplicateRef => "duplicate-ref",
            Code::DependencyCycle => "dependency-cycle",
            Code::ExpiredWaiver => "expired-waiver",
            Code::UnusedWaiver => "unused-waiver",
        }
    }

    /// One sentence for people (SARIF rule help, README).
    pub fn description(self) -> &'static str {
        match self {
            Code::RestrictedOrigin => "The component was developed, produced or supplied by an entity that a restriction in the policy names.",
            Code::RestrictedCountry => "The supplier or manufacturer of the component is in a country that a country rule of the policy restricts, by its declared address or by the entity it matched.",
            Code::UnknownOrigin => "The SBOM names no supplier, manufacturer, publisher, originator, author, purl namespace or CPE vendor for the component, so its origin cannot be checked.",
            Code::DanglingRef => "A dependency or relationship points at a reference that no component in the SBOM has; part of the graph may be missing.",
            Code::DuplicateRef => "Two or more components share one bom-ref or SPDXID; relationships resolve to the first.",
            Code::DependencyCycle => "Components include each other in a cycle; paths are still computed, each component once.",
            Code::ExpiredWaiver => "A waiver matched this finding but its expiry date has passed, so the finding is no longer waived.",
            Code::UnusedWaiver => "A waiver matched no finding: the component is gone, the selector is wrong, or the component is also reached by a path its `path` glob does not cover; remove or fix it.",
        }
    }
}

/// Where a restricted component sits relative to the products of its SBOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// The component is itself a product (a root).
    Root,
    /// A product includes it directly.
    Direct,
    /// It is included through other components.
    Transitive,
}

/// The component a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentSummary {
    /// bom-ref or SPDXID as written in the SBOM.
    #[serde(rename = "ref")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Group (Maven groupId, npm scope), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Version, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Package URL, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Type as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Software or equipment.
    pub class: ComponentClass,
    /// JSON path of the component in its SBOM.
    pub location: String,
    /// 1-based line of its bom-ref / SPDXID in the file, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The file the component is written in, when it is a supplier SBOM joined into the input
    /// (see `bomvet_graph::link`); `ref`, `location` and `line` are then in that file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written_in: Option<String>,
}

impl ComponentSummary {
    /// The file the component is written in: the joined supplier SBOM, or else `source`.
    pub fn file<'a>(&'a self, source: &'a str) -> &'a str {
        self.written_in.as_deref().unwrap_or(source)
    }
}

impl ComponentSummary {
    fn of(c: &Component) -> ComponentSummary {
        ComponentSummary {
            id: c.id.0.to_string(),
            name: c.name.to_string(),
            group: c.group.as_ref().map(ToString::to_string),
            version: c.version.as_ref().map(ToString::to_string),
            purl: c.purl.as_ref().map(|p| p.value.to_string()),
            kind: c.kind.as_ref().map(ToString::to_string),
            class: c.class,
            location: c.location.0.to_string(),
            line: c.line.map(|l| l.get() as usize),
            written_in: None,
        }
    }
}

/// The restricted entity a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntitySummary {
    /// Policy id (`kaspersky`).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A list (instrument) as cited in a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCitation {
    /// List id (`us-ndaa18-s1634`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Legal citation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Jurisdiction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// Date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// First source URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Whether it reaches this component.
    pub applies: bool,
    /// Severity under this list.
    pub severity: Severity,
    /// Why it does not apply, or why its severity is lower.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Who depends on a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependents {
    /// Components that include it directly.
    pub direct: usize,
    /// Components that include it directly or transitively.
    pub total: usize,
    /// Their refs, only with `--list-dependents` (a shared library can have tens of thousands).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refs: Option<Vec<String>>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable code.
    pub code: Code,
    /// Severity after every rule, cap and context.
    pub severity: Severity,
    /// One line for people.
    pub message: String,
    /// The SBOM file.
    pub source: String,
    /// The component.
    pub component: ComponentSummary,
    /// The restricted entity (`restricted-origin` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<EntitySummary>,
    /// Strongest evidence (`restricted-origin` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// Every piece of evidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Every list of the entity, whether it applies, and at what severity.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleCitation>,
    /// Why the severity is lower than the lists alone would give.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<String>,
    /// Root, direct or transitive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    /// One shortest path of refs from a root to the component, both included.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// The same path as names, for people.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path_names: Vec<String>,
    /// The number of refs of the whole path, given only when `path` is cut ([`PATH_SHOWN`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_length: Option<usize>,
    /// Number of distinct paths from the roots (cycles collapsed; saturates at 2^64-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_count: Option<u64>,
    /// False when the component is reachable only through dev, build, test, optional or
    /// provided dependencies, or through components whose scope is `excluded` or `optional`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachable_at_runtime: Option<bool>,
    /// For each product (root) that includes it: shortest path, some distinct paths, the root's
    /// direct dependencies that bring it in, and the one to cut when there is only one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via_roots: Vec<RootPaths>,
    /// Who depends on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependents: Option<Dependents>,
    /// Refs of the products (roots) that include it: the first [`ROOTS_LISTED`] in document
    /// order, or all with `--list-dependents`; `via_roots` is given for the same ones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roots: Vec<String>,
    /// How many products include it, given only when `roots` does not list them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_count: Option<usize>,
    /// Other refs the finding is about (the second holder of a duplicate ref, a cycle's members,
    /// a dangling target).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Stable identity of the finding across runs (code, entity or rule, component identity,
    /// document name): used by baselines, `bomvet diff` and SARIF.
    pub fingerprint: String,
    /// The waiver that covers this finding, when one does (a waived finding never gates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<waiver::Applied>,
    /// `new` or `existing`, when the run has a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineStatus>,
    /// Whether this finding fails the run: at or above `--fail-on`, not waived, not in the
    /// baseline. Decided once, in [`Report::new`]; renderers read it, never recompute it.
    #[serde(skip)]
    pub gates: bool,
    /// Position of the component in its SBOM, for stable ordering.
    #[serde(skip)]
    order: (usize, usize),
    /// Document name, for the fingerprint.
    #[serde(skip)]
    document: String,
    /// For each of [`AuditOptions::waiver_paths`], whether every path from every product to the
    /// component passes a component whose ref it matches (the component itself included): only
    /// then does a waiver with that `path` waive the finding.
    #[serde(skip)]
    pub(crate) paths_through: Vec<bool>,
}

impl Finding {
    /// How many levels below its product the component is: the length of its shortest path
    /// (all of it, when `path` is cut), less the root; 0 without a path.
    pub fn depth(&self) -> usize {
        self.path_length
            .unwrap_or(self.path.len())
            .saturating_sub(1)
    }

    /// The instruments that apply to this finding at more than `info`: its legal basis.
    pub fn legal_basis(&self) -> impl Iterator<Item = &RuleCitation> {
        self.rules
            .iter()
            .filter(|r| r.applies && r.severity > Severity::Info)
    }
}

/// Paths of more refs than this (a finding's `path` and `path_names`, a product's `shortest`
/// and `paths`) are shown cut: their first and last `PATH_SHOWN / 2` refs, and between them
/// one entry, [`left_out`], saying how many are not shown. Real dependency trees are 10 to 30
/// deep; a hostile SBOM, a chain of 20,000 components every tenth of them restricted, made a
/// report of 1.7 GB in 17 s and 2.8 GB of memory with paths in full (each finding's paths as
/// long as the chain above it: quadratic). The depth and the `path_length` stay exact; a
/// waiver's `path` glob is checked against the graph, every path in full (decision 43).
pub const PATH_SHOWN: usize = 64;

/// The entry that stands for `n` refs left out of the middle of a cut path ([`PATH_SHOWN`]).
pub fn left_out(n: usize) -> String {
    format!("... {n} more ...")
}

/// Whether a path's entry is one [`left_out`] wrote.
pub fn is_left_out(entry: &str) -> bool {
    entry
        .strip_prefix("... ")
        .and_then(|e| e.strip_suffix(" more ..."))
        .is_some_and(|n| n.parse::<usize>().is_ok())
}

/// `path` as `show` writes each of its components, cut in the middle when it is longer than
/// [`PATH_SHOWN`].
fn shown(path: &[usize], show: impl Fn(usize) -> String) -> Vec<String> {
    if path.len() <= PATH_SHOWN {
        return path.iter().map(|&j| show(j)).collect();
    }
    let half = PATH_SHOWN / 2;
    let mut out = Vec::with_capacity(PATH_SHOWN + 1);
    out.extend(path[..half].iter().map(|&j| show(j)));
    out.push(left_out(path.len() - PATH_SHOWN));
    out.extend(path[path.len() - half..].iter().map(|&j| show(j)));
    out
}

/// How many of the products (roots) that include a component are listed in its finding, each
/// with its paths, without `--list-dependents`; `root_count` gives them all. A 500 KB SBOM of
/// 2,000 products over one shared library with 2,000 restricted components made a report of
/// 1.7 GB in 5 minutes: every finding listed every product with a path search for each.
pub const ROOTS_LISTED: usize = 20;

/// How many of a product's direct dependencies that bring a component in are listed in its
/// finding without `--list-dependents`. A product with 10,000 direct dependencies and 10,000
/// restricted components below them made a report of 10^8 refs (3 GB for a generated SBOM of
/// 100,000 components, issue 7); the count is always given.
pub const DIRECT_DEPENDENCIES_LISTED: usize = 20;

/// How a product (root) includes a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootPaths {
    /// The root's ref.
    pub root: String,
    /// One shortest path of refs from the root to the component.
    pub shortest: Vec<String>,
    /// Up to `--max-paths` distinct paths; none when `shortest` is longer than [`PATH_SHOWN`]
    /// refs (each search walks the whole length, per finding).
    pub paths: Vec<Vec<String>>,
    /// The root's direct dependencies through which the component is reached: the first
    /// [`DIRECT_DEPENDENCIES_LISTED`] in document order, or all of them with
    /// `--list-dependents`.
    pub direct_dependencies: Vec<String>,
    /// How many direct dependencies of the root bring the component in.
    pub direct_dependency_count: usize,
    /// When there is exactly one such direct dependency: removing it removes the component
    /// from this product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_through: Option<String>,
}

/// Whether a finding was in the baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineStatus {
    /// Not in the baseline: it can gate.
    New,
    /// In the baseline at the same severity or a higher one: reported, never gates.
    Existing,
    /// In the baseline at a lower severity (a component that became a run-time dependency, a
    /// stronger piece of evidence, a stricter policy): the baseline accepted it at its old
    /// severity, not at this one, so it can gate like a new finding.
    Raised,
}

/// Options of an audit.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// List every dependent's ref in findings.
    pub list_dependents: bool,
    /// Distinct paths listed per root (`--max-paths`).
    pub max_paths: usize,
    /// Highest severity for a component reachable only through dev, build, test or optional
    /// dependencies (`--non-runtime-cap`).
    pub non_runtime_cap: Severity,
    /// The `path` globs of the waivers ([`Waivers::path_globs`]): for each, every finding records
    /// whether all its component's paths pass a component whose ref the glob matches. A waiver
    /// with a `path` waives nothing when its glob was not given here (fail closed).
    pub waiver_paths: Vec<globset::GlobMatcher>,
}

impl Default for AuditOptions {
    fn default() -> AuditOptions {
        AuditOptions {
            list_dependents: false,
            max_paths: 5,
            non_runtime_cap: Severity::Review,
            waiver_paths: Vec::new(),
        }
    }
}

/// Search steps allowed per (root, component) when listing distinct paths, with few findings.
/// In a graph without cycles the search never turns back (every component it may pass reaches
/// the target), so a path costs its length; in a large cycle it wanders.
const PATH_SEARCH_BUDGET: usize = 100_000;

/// Search steps for listing paths shared by all findings: each search gets this over the number
/// of findings, between 1,000 and [`PATH_SEARCH_BUDGET`] (the same for every finding, so the
/// report does not depend on the order of the work). A ring of 50,000 components with random
/// chords, every tenth restricted, spent 5,000 x 100,000 steps wandering the cycle: 20 s.
const PATH_SEARCH_TOTAL: usize = 20_000_000;

/// Components by origin status; the three add up to the component count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OriginCounts {
    /// Components that match a restricted entity.
    pub matched: usize,
    /// Components whose origin is known and restricted by nothing.
    pub cleared: usize,
    /// Components whose origin is not stated.
    pub unknown: usize,
}

/// The audit of one SBOM.
#[derive(Debug, Clone)]
pub struct SbomAudit {
    /// Findings, unsorted.
    pub findings: Vec<Finding>,
    /// Origin accounting.
    pub origin: OriginCounts,
    /// Edges in the graph, implicit ones included.
    pub edges: usize,
    /// Roots (products).
    pub roots: Vec<String>,
}

/// SBOMs of up to this many components have their graph built while they are matched (see
/// [`Auditor::audit`]); larger ones one after the other, to keep their peak memory down.
const OVERLAP_MAX_COMPONENTS: usize = 500_000;

/// The most components matched as one piece of work (~1 ms): small enough that a thread that
/// comes free finds work left to take, large enough that handing pieces out costs nothing.
const MATCH_PIECE: usize = 1024;

/// Audits SBOMs against a compiled policy.
#[derive(Debug)]
pub struct Auditor<'p> {
    matcher: Matcher<'p>,
    options: AuditOptions,
}

impl<'p> Auditor<'p> {
    /// Compiles `policy` once for any number of SBOMs.
    pub fn new(policy: &'p Policy, options: AuditOptions) -> Auditor<'p> {
        Auditor {
            matcher: Matcher::new(policy),
            options,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &'p Policy {
        self.matcher.policy()
    }

    /// The compiled matcher (for `explain`, which shows what it tried).
    pub fn matcher(&self) -> &Matcher<'p> {
        &self.matcher
    }

    /// Audits one SBOM: graph, parallel matching, findings.
    pub fn audit(&self, sbom: &Sbom) -> SbomAudit {
        self.audit_beside(sbom, |_| ()).0
    }

    /// [`Auditor::audit`], with `beside` run on the other cores while the findings are made (the
    /// paths and ancestors of the matched components, on one thread when they are few), given
    /// the components that may get a finding: every matched component, every component that
    /// does not name its origin, every component of a graph issue (a superset, in document
    /// order). The CLI searches the file for the lines of their refs there: after the audit,
    /// that search kept the other cores waiting while one walked the graph (~15 ms of a 100k
    /// CycloneDX JSON scan, decision 37).
    pub fn audit_beside<R: Send>(
        &self,
        sbom: &Sbom,
        beside: impl FnOnce(&[usize]) -> R + Send,
    ) -> (SbomAudit, R) {
        let policy = self.policy();
        // The graph and its passes (reach, path counts from the roots, run-time reachability)
        // do not depend on the matches: one thread builds them while the others match. Not for
        // the largest SBOMs, where memory is the limit: there the graph's temporaries (an index
        // of every ref, every edge resolved) are freed before the matches are made, as a
        // sequential order does (1M components: 1.95x the file instead of 2.0x; decision 22).
        let overlap = sbom.components.len() <= OVERLAP_MAX_COMPONENTS;
        // The index of the refs first, on every core: beside the matcher it was filled by one
        // thread, the longest step of the graph's build (100k tag-value: 11-16 of 33 ms).
        let index = overlap.then(|| RefIndex::new(sbom));
        let graph_passes = || {
            let graph = match index {
                Some(index) => SbomGraph::build_indexed(sbom, index),
                None => SbomGraph::build(sbom),
            };
            // Three passes over the finished graph, independent of each other: side by side,
            // so that a thread done matching takes one instead of waiting for the graph's
            // thread to do all three (a 100k timeline showed it idle that long). Not for the
            // largest SBOMs, where their temporaries side by side raised the peak (1M CycloneDX
            // JSON: +67 MB).
            let excluded: Vec<bool> = sbom
                .components
                .iter()
                .map(|c| c.scope != bomvet_model::Scope::Required)
                .collect();
            let (reach, (counts, runtime)) = if sbom.components.len() <= OVERLAP_MAX_COMPONENTS {
                rayon::join(
                    || graph.reach(),
                    || {
                        rayon::join(
                            || graph.path_counts(),
                            || graph.runtime_reachable(&excluded),
                        )
                    },
                )
            } else {
                let reach = graph.reach();
                let counts = graph.path_counts();
                (reach, (counts, graph.runtime_reachable(&excluded)))
            };
            (graph, reach, counts, runtime)
        };
        // Whether each component names its origin is found while it is matched, in cache: a pass
        // of its own over the components afterwards was ~12 ms of a 100k scan on one thread.
        // Pieces of at most `MATCH_PIECE` components: rayon otherwise cuts the list into as many
        // pieces as threads, twice over, and the thread that built the graph found the last
        // quarter of the list taken whole by the other, and waited (a timeline showed it).
        let match_all = || -> (Vec<_>, Vec<bool>) {
            sbom.components
                .par_iter()
                .with_max_len(MATCH_PIECE)
                .map(|c| (self.matcher.match_component(c), has_origin(c)))
                .unzip()
        };
        let ((graph, reach, counts, runtime), (matches, known)) =
            if sbom.components.len() <= OVERLAP_MAX_COMPONENTS {
                rayon::join(graph_passes, match_all)
            } else {
                let passes = graph_passes();
                (passes, match_all())
            };
        let source = sbom.source.clone();
        let ref_of = |i: usize| sbom.components[i].id.0.to_string();
        // The components that get a finding.
        let countries = !policy.country_rules.is_empty();
        let targets: Vec<usize> = (0..matches.len())
            .filter(|&i| !matches[i].is_empty() || (countries && has_country(&sbom.components[i])))
            .collect();
        let path_budget =
            (PATH_SEARCH_TOTAL / targets.len().max(1)).clamp(1_000, PATH_SEARCH_BUDGET);
        // Where a component sits: computed only for components that get a finding, within the
        // set of its ancestors.
        let place = |i: usize, anc: Ancestors| -> Place {
            let path_idx = reach.path_to(i);
            let listed = if self.options.list_dependents {
                anc.roots.len()
            } else {
                ROOTS_LISTED.min(anc.roots.len())
            };
            let via_roots = anc.roots[..listed]
                .iter()
                .enumerate()
                .map(|(k, &r)| {
                    // The root's children among the ancestors.
                    let direct = &anc.via[k];
                    let refs = |p: &[usize]| shown(p, ref_of);
                    // When one root reaches the component, the breadth-first pass from all roots
                    // already found this root's shortest path, with the same tie breaks
                    // (`bomvet_graph` tests this); a search per finding is needed only when
                    // several roots include it.
                    let searched;
                    let shortest = if anc.roots.len() == 1 && path_idx.first() == Some(&r) {
                        &path_idx
                    } else {
                        searched = graph.shortest_path(r, i, &anc.members, direct);
                        &searched
                    };
                    // Paths longer than can be shown are not searched for: each search walks
                    // the whole length, per finding (`PATH_SHOWN`).
                    let paths = if shortest.len() > PATH_SHOWN {
                        Vec::new()
                    } else {
                        graph.some_paths(
                            r,
                            i,
                            &anc.members,
                            direct,
                            self.options.max_paths,
                            path_budget,
                        )
                    };
                    RootPaths {
                        root: ref_of(r),
                        shortest: refs(shortest),
                        paths: paths.iter().map(|p| refs(p)).collect(),
                        only_through: (direct.len() == 1 && r != i).then(|| ref_of(direct[0])),
                        direct_dependencies: direct
                            .iter()
                            .take(if self.options.list_dependents {
                                usize::MAX
                            } else {
                                DIRECT_DEPENDENCIES_LISTED
                            })
                            .map(|&j| ref_of(j))
                            .collect(),
                        direct_dependency_count: direct.len(),
                    }
                })
                .collect();
            let depth = reach.dist[i];
            Place {
                relation: match depth {
                    0 => Relation::Root,
                    1 => Relation::Direct,
                    _ => Relation::Transitive,
                },
                depth,
                path: shown(&path_idx, ref_of),
                path_names: shown(&path_idx, |j| sbom.components[j].display_name()),
                path_length: (path_idx.len() > PATH_SHOWN).then_some(path_idx.len()),
                path_count: counts[i],
                runtime: runtime[i],
                via_roots,
                dependents: Dependents {
                    direct: anc.direct,
                    total: anc.total,
                    refs: self
                        .options
                        .list_dependents
                        .then(|| anc.members.iter().filter(|&j| j != i).map(ref_of).collect()),
                },
                roots: anc.roots[..listed].iter().map(|&r| ref_of(r)).collect(),
                root_count: (listed < anc.roots.len()).then_some(anc.roots.len()),
            }
        };
        // The findings of component `i`, given its ancestors.
        let findings_of = |i: usize, anc: Ancestors| -> Vec<Finding> {
            let ms = &matches[i];
            let c = &sbom.components[i];
            let ctx = ComponentContext {
                component: c,
                is_root: graph.is_root(i),
            };
            let p = place(i, anc);
            let where_ = match p.relation {
                Relation::Root => "is a product of this SBOM".to_owned(),
                Relation::Direct => "is included directly".to_owned(),
                Relation::Transitive => {
                    format!("is included transitively, {} levels down", p.depth)
                }
            };
            let mut out: Vec<Finding> = ms
                .iter()
                .map(|m| {
                    let mut a = assess(policy, ctx, m);
                    if !p.runtime && a.severity > self.options.non_runtime_cap {
                        a.severity = self.options.non_runtime_cap;
                        a.caps.push(
                            "reachable only through dev, build, test or optional dependencies, or components not delivered (scope excluded/optional)"
                                .into(),
                        );
                    }
                    let entity = &policy.entities[m.entity];
                    let rules = a
                        .rules
                        .iter()
                        .map(|r| {
                            let l = &policy.lists[r.list];
                            RuleCitation {
                                id: l.id.clone(),
                                title: l.title.clone(),
                                citation: l.citation.clone(),
                                jurisdiction: l.jurisdiction.clone(),
                                date: l.date.clone(),
                                url: l.urls.first().cloned(),
                                applies: r.applies,
                                severity: r.severity,
                                note: r.note.clone(),
                            }
                        })
                        .collect();
                    Finding {
                        code: Code::RestrictedOrigin,
                        severity: a.severity,
                        message: format!(
                            "`{}` is of {} origin ({} evidence) and {where_}",
                            c.display_name(),
                            entity.name,
                            a.confidence.as_str()
                        ),
                        entity: Some(EntitySummary {
                            id: entity.id.clone(),
                            name: entity.name.clone(),
                        }),
                        confidence: Some(a.confidence),
                        evidence: m.evidence.clone(),
                        rules,
                        caps: a.caps,
                        order: (i, m.entity),
                        ..p.finding(&source, c)
                    }
                })
                .collect();
            if countries {
                let assessed: Vec<Severity> = out.iter().map(|f| f.severity).collect();
                out.extend(country_findings(
                    policy, c, ms, &assessed, &p, &source, &where_, i,
                ));
            }
            out
        };
        // The ancestors of the components that get a finding: a search each, given up past a
        // budget, and those with more found together, a batch at a time in one pass over the
        // graph (`ancestors_of`). A search per finding cost the sum of the ancestor sets (a
        // 100-layer graph of 100,000 with 5,000 findings: 25 s); a pass per batch costs the
        // graph's size each (the flat list of 100,000 restricted components under one product
        // made 1,563 passes). Each finding's facts are the same either way.
        let budget = graph.ancestors_budget();
        let restricted = || {
            let (findings, many): (Vec<Finding>, Vec<usize>) = targets
                .par_iter()
                .flat_map_iter(|&i| {
                    let (found, gave_up) = match graph.ancestors_within(i, budget) {
                        Some(anc) => (findings_of(i, anc), None),
                        None => (Vec::new(), Some(i)),
                    };
                    let found = found.into_iter().map(rayon::iter::Either::Left);
                    found.chain(gave_up.map(rayon::iter::Either::Right))
                })
                .partition_map(|e| e);
            if many.is_empty() {
                return findings;
            }
            let batched: Vec<Finding> = many
                .par_chunks(bomvet_graph::ANCESTORS_BATCH)
                .flat_map(|batch| {
                    let ancestors = graph.ancestors_of(batch);
                    batch.par_iter().zip(ancestors)
                })
                .flat_map_iter(|(&i, anc)| findings_of(i, anc))
                .collect();
            // In the components' order, as one pass would give them.
            merge_by_component(findings, batched)
        };
        let candidates = || {
            let mut may: Vec<bool> = (0..matches.len())
                .map(|i| !matches[i].is_empty() || !known[i])
                .collect();
            for &i in &targets {
                may[i] = true;
            }
            for issue in graph.issues() {
                let one: &[usize] = match issue {
                    GraphIssue::DanglingRef { from, .. } => from.as_slice(),
                    GraphIssue::DuplicateRef { components, .. }
                    | GraphIssue::Cycle { components } => components,
                    GraphIssue::SelfLoop { component, .. } => std::slice::from_ref(component),
                };
                for &i in one {
                    if let Some(m) = may.get_mut(i) {
                        *m = true;
                    }
                }
            }
            (0..may.len()).filter(|&i| may[i]).collect::<Vec<usize>>()
        };
        let (mut findings, beside) = rayon::join(restricted, || beside(&candidates()));

        // Origin accounting: every component is matched, cleared or of unknown origin. SPDX
        // files take the origin of a package that contains them.
        let mut origin = OriginCounts::default();
        for (i, c) in sbom.components.iter().enumerate() {
            let inherited = || {
                graph
                    .parents(i)
                    .any(|(p, k)| k == EdgeKind::Contains && known[p])
            };
            if !matches[i].is_empty() {
                origin.matched += 1;
            } else if known[i] || inherited() {
                origin.cleared += 1;
            } else {
                origin.unknown += 1;
                findings.push(Finding {
                    code: Code::UnknownOrigin,
                    severity: Severity::Info,
                    message: format!(
                        "`{}` names no supplier, manufacturer, publisher, originator, author, purl namespace or CPE vendor",
                        c.display_name()
                    ),
                    ..plain(&source, c, i)
                });
            }
        }

        for issue in graph.issues() {
            let f = match issue {
                GraphIssue::DanglingRef { from, to, location } => {
                    let mut f = match *from {
                        Some(i) => plain(&source, &sbom.components[i], i),
                        None => plain_doc(&source, location.as_str()),
                    };
                    f.code = Code::DanglingRef;
                    f.message = format!("`{to}` at `{location}` points at no component");
                    f.related = vec![to.0.to_string()];
                    f
                }
                GraphIssue::DuplicateRef { id, components } => {
                    let i = components[0];
                    let mut f = plain(&source, &sbom.components[i], i);
                    f.code = Code::DuplicateRef;
                    f.message = format!(
                        "`{id}` is the ref of {} components ({})",
                        components.len(),
                        components
                            .iter()
                            .map(|&j| format!("`{}`", sbom.components[j].location))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    f.related = components
                        .iter()
                        .map(|&j| sbom.components[j].location.0.to_string())
                        .collect();
                    f
                }
                GraphIssue::SelfLoop {
                    component: i,
                    location,
                } => {
                    let i = *i;
                    let mut f = plain(&source, &sbom.components[i], i);
                    f.code = Code::DependencyCycle;
                    f.message = format!(
                        "`{}` includes itself at `{location}`",
                        sbom.components[i].id
                    );
                    f
                }
                GraphIssue::Cycle { components } => {
                    let i = components[0];
                    let mut f = plain(&source, &sbom.components[i], i);
                    f.code = Code::DependencyCycle;
                    f.message = format!(
                        "{} components include each other in a cycle",
                        components.len()
                    );
                    f.related = components.iter().map(|&j| ref_of(j)).collect();
                    f
                }
            };
            findings.push(f);
        }
        // For each waiver `path` glob, whether every path to each finding's component passes a
        // component whose ref (as paths show it) the glob matches: the component is then not
        // reached from the products avoiding those. One pass over the graph per glob. (Matched
        // against the one shortest path shown, a waiver for a test harness waived a component
        // that the product also ships through another dependency.)
        if !self.options.waiver_paths.is_empty() {
            let n = sbom.components.len();
            let reached: Vec<Vec<bool>> = self
                .options
                .waiver_paths
                .par_iter()
                .map(|glob| {
                    let blocked: Vec<bool> = sbom
                        .components
                        .iter()
                        .map(|c| glob.is_match(c.id.as_str()))
                        .collect();
                    graph.reachable_avoiding(&blocked)
                })
                .collect();
            for f in &mut findings {
                let i = f.order.0;
                if i < n {
                    f.paths_through = reached.iter().map(|r| !r[i]).collect();
                }
            }
        }
        // Components of joined supplier SBOMs: their ref as written, and their file.
        if !sbom.linked.is_empty() {
            for f in &mut findings {
                let i = f.order.0;
                if i >= sbom.components.len() {
                    continue;
                }
                if let Some(d) = sbom.linked_document_of(i) {
                    f.component.id = sbom.ref_as_written(i).to_owned();
                    f.component.written_in = Some(d.source.clone());
                }
            }
        }
        let audit = SbomAudit {
            findings,
            origin,
            edges: graph.edge_count(),
            roots: graph.roots().iter().map(|&r| ref_of(r)).collect(),
        };
        (audit, beside)
    }
}

/// Where a component with a finding sits in its SBOM.
struct Place {
    relation: Relation,
    depth: u32,
    path: Vec<String>,
    path_names: Vec<String>,
    path_length: Option<usize>,
    path_count: u64,
    runtime: bool,
    via_roots: Vec<RootPaths>,
    dependents: Dependents,
    roots: Vec<String>,
    root_count: Option<usize>,
}

impl Place {
    /// A finding skeleton with the place filled in; callers set code, severity and the rest.
    fn finding(&self, source: &str, c: &Component) -> Finding {
        Finding {
            relation: Some(self.relation),
            path: self.path.clone(),
            path_names: self.path_names.clone(),
            path_length: self.path_length,
            path_count: Some(self.path_count),
            reachable_at_runtime: Some(self.runtime),
            via_roots: self.via_roots.clone(),
            dependents: Some(self.dependents.clone()),
            roots: self.roots.clone(),
            root_count: self.root_count,
            ..plain(source, c, 0)
        }
    }
}

fn has_country(c: &Component) -> bool {
    c.parties.iter().any(|p| p.country.is_some())
}

/// `restricted-country` findings: declared supplier or manufacturer countries, and the countries
/// of the entities the component matched, against every country rule.
#[allow(clippy::too_many_arguments)]
fn country_findings(
    policy: &Policy,
    c: &Component,
    matches: &[bomvet_policy::EntityMatch],
    assessed: &[Severity],
    p: &Place,
    source: &str,
    where_: &str,
    i: usize,
) -> Vec<Finding> {
    let mut ev: Vec<Evidence> = Vec::new();
    for party in &c.parties {
        if let Some(raw) = &party.country {
            if let Some(code) = bomvet_policy::country_code(raw) {
                ev.push(Evidence {
                    field: format!("{}.address.country", party.field.under(&c.location)),
                    value: raw.to_string(),
                    matched: code,
                    identifier: IdentKind::Country,
                    confidence: Confidence::Strong,
                    max_severity: None,
                    note: None,
                });
            }
        }
    }
    // A country taken from an entity match never outranks that match's own assessment (YARA
    // rules that credit Kaspersky are `info` as Kaspersky content, so also as Russian content).
    for (m, &cap) in matches.iter().zip(assessed) {
        let e = &policy.entities[m.entity];
        let best = m.evidence.iter().max_by_key(|x| x.confidence);
        for code in &e.countries {
            if let Some(b) = best {
                ev.push(Evidence {
                    field: b.field.clone(),
                    value: b.value.clone(),
                    matched: code.clone(),
                    identifier: IdentKind::Country,
                    confidence: b.confidence,
                    max_severity: Some(cap),
                    note: Some(format!("country of entity `{}`", e.id)),
                });
            }
        }
    }
    let mut out = Vec::new();
    for (ri, rule) in policy.country_rules.iter().enumerate() {
        let hits: Vec<Evidence> = ev
            .iter()
            .filter(|e| rule.countries.contains(&e.matched))
            .cloned()
            .collect();
        if hits.is_empty() {
            continue;
        }
        let allowed = hits
            .iter()
            .map(|h| h.max_severity.unwrap_or(Severity::Block))
            .max()
            .unwrap_or(Severity::Block);
        let severity = rule.severity.min(allowed);
        let mut codes: Vec<&str> = hits.iter().map(|h| h.matched.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        out.push(Finding {
            code: Code::RestrictedCountry,
            severity,
            message: format!(
                "`{}` has its origin in {} ({}) and {where_}",
                c.display_name(),
                codes.join(", "),
                rule.title
            ),
            confidence: hits.iter().map(|h| h.confidence).max(),
            evidence: hits,
            rules: vec![RuleCitation {
                id: rule.id.clone(),
                title: rule.title.clone(),
                citation: rule.citation.clone(),
                jurisdiction: rule.jurisdiction.clone(),
                date: rule.date.clone(),
                url: rule.urls.first().cloned(),
                applies: true,
                severity: rule.severity,
                note: None,
            }],
            order: (i, usize::MAX - 1 - ri),
            ..p.finding(source, c)
        });
    }
    out
}

/// Two lists of findings, each in the order of their components and of different components,
/// as one list in that order.
fn merge_by_component(a: Vec<Finding>, b: Vec<Finding>) -> Vec<Finding> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut b = b.into_iter().peekable();
    for f in a {
        while let Some(g) = b.next_if(|g| g.order.0 < f.order.0) {
            out.push(g);
        }
        out.push(f);
    }
    out.extend(b);
    out
}

fn plain(source: &str, c: &Component, i: usize) -> Finding {
    Finding {
        code: Code::UnknownOrigin,
        severity: Severity::Info,
        message: String::new(),
        source: source.to_owned(),
        component: ComponentSummary::of(c),
        entity: None,
        confidence: None,
        evidence: Vec::new(),
        rules: Vec::new(),
        caps: Vec::new(),
        relation: None,
        path: Vec::new(),
        path_names: Vec::new(),
        path_length: None,
        path_count: None,
        reachable_at_runtime: None,
        via_roots: Vec::new(),
        dependents: None,
        roots: Vec::new(),
        root_count: None,
        related: Vec::new(),
        fingerprint: String::new(),
        waiver: None,
        baseline: None,
        gates: false,
        order: (i, usize::MAX),
        document: String::new(),
        paths_through: Vec::new(),
    }
}

fn plain_doc(source: &str, location: &str) -> Finding {
    let mut c = Component::new(
        bomvet_model::ComponentRef::default(),
        bomvet_model::CompactString::default(),
        bomvet_model::Location(location.into()),
    );
    c.name = "(document)".into();
    plain(source, &c, usize::MAX)
}

/// True when something in the component says who made or supplied it. The three tests are
/// made in turn, each only when the ones before fail: most components name a party, and the
/// purl's test was made for every component anyway (~900 instructions each, 3.6% of a 20k
/// CycloneDX JSON scan on one thread).
fn has_origin(c: &Component) -> bool {
    let party = || {
        c.parties.iter().any(|p| {
            p.name.as_deref().is_some_and(|n| !n.trim().is_empty())
                || !p.emails.is_empty()
                || !p.urls.is_empty()
        })
    };
    let purl_ns = || {
        c.purl.as_ref().map(|p| p.value.as_str()).is_some_and(|p| {
            // pkg:type/namespace/name: a namespace is present when the path has two segments.
            let path = p.split(['?', '#', '@']).next().unwrap_or(p);
            path.strip_prefix("pkg:")
                .and_then(|r| r.split_once('/'))
                .is_some_and(|(_, rest)| rest.trim_start_matches('/').contains('/'))
        })
    };
    let cpe_vendor = || {
        c.cpes.iter().any(|cpe| {
            let v = cpe
                .value
                .strip_prefix("cpe:2.3:")
                .or_else(|| cpe.value.strip_prefix("cpe:/"))
                .and_then(|r| r.split(':').nth(1));
            v.is_some_and(|v| !v.is_empty() && v != "*" && v != "-")
        })
    };
    party() || purl_ns() || cpe_vendor()
}

/// What a report keeps of an audited SBOM: its identity and counts, not its components (so a
/// portfolio of thousands of SBOMs holds one summary per file, not every file's model).
#[derive(Debug, Clone)]
pub struct SbomInfo {
    /// The path as given.
    pub source: String,
    /// Detected encoding.
    pub format: Format,
    /// Spec version as written.
    pub spec_version: String,
    /// Document or product name.
    pub name: Option<String>,
    /// Serial number or namespace.
    pub serial: Option<String>,
    /// Components read.
    pub components: usize,
    /// Relationships read.
    pub relationships: usize,
    /// Deviations noticed while reading.
    pub diagnostics: Vec<Diagnostic>,
    /// Supplier SBOMs joined into this one (see `bomvet_graph::link`).
    pub linked: Vec<bomvet_model::LinkedDocument>,
}

impl SbomInfo {
    /// The summary of `sbom` (moves its diagnostics out).
    pub fn of(mut sbom: Sbom) -> SbomInfo {
        SbomInfo::take(&mut sbom)
    }

    /// The summary of `sbom`, taking what it needs (diagnostics, names) and leaving the
    /// components and relationships for the caller to free where that costs least: freeing
    /// 100,000 components takes tens of milliseconds.
    pub fn take(sbom: &mut Sbom) -> SbomInfo {
        SbomInfo {
            linked: std::mem::take(&mut sbom.linked),
            components: sbom.components.len(),
            relationships: sbom.relationships.len(),
            source: sbom.source.clone(),
            format: sbom.format,
            spec_version: std::mem::take(&mut sbom.spec_version),
            name: sbom.name.take(),
            serial: sbom.serial.take(),
            diagnostics: std::mem::take(&mut sbom.diagnostics),
        }
    }
}

/// The outcome of one input of a run.
#[derive(Debug)]
pub enum InputOutcome {
    /// Read and audited.
    Audited(Box<(SbomInfo, SbomAudit)>),
    /// Read, and joined into another input that links to it (a product's SBOM naming this
    /// supplier SBOM): its components are audited as part of that input.
    Joined {
        /// The document.
        info: Box<SbomInfo>,
        /// The input it is joined into.
        into: String,
    },
    /// Found by walking a directory but not an SBOM candidate (no JSON, XML or tag-value
    /// content); listed, not audited, not a failure.
    Skipped {
        /// The path.
        source: String,
        /// Why.
        reason: String,
    },
    /// Could not be read: the message names the file and the place.
    Failed {
        /// The path as given.
        source: String,
        /// The error, rendered.
        error: String,
    },
}

/// The gate threshold: findings at or above it fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// Fail on findings of this severity or higher.
    Severity(Severity),
    /// Never fail on findings (errors still exit 2).
    Never,
}

impl FailOn {
    /// Whether a finding of `s` gates.
    pub fn gates(self, s: Severity) -> bool {
        match self {
            FailOn::Severity(t) => s >= t,
            FailOn::Never => false,
        }
    }

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Severity(s) => s.as_str(),
            FailOn::Never => "never",
        }
    }
}

/// Everything that decides pass or fail, in one value.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Findings at or above this severity fail the run.
    pub fail_on: FailOn,
    /// Fail when an SBOM has more than this percentage of components of unknown origin.
    pub max_unknown_origin: Option<f64>,
    /// Let an SBOM that lists no components pass. Without it such an SBOM fails the run: there
    /// is nothing in it to vet, and a generator that failed often writes one (decision 34).
    pub allow_empty: bool,
    /// Accepted findings.
    pub waivers: Option<Waivers>,
    /// Fingerprints of an earlier report: only new findings gate.
    pub baseline: Option<Baseline>,
    /// The day waivers are checked against.
    pub today: jiff::civil::Date,
}

impl Gate {
    /// A gate with only a threshold.
    pub fn fail_on(fail_on: FailOn) -> Gate {
        Gate {
            fail_on,
            max_unknown_origin: None,
            allow_empty: false,
            waivers: None,
            baseline: None,
            today: jiff::civil::date(2000, 1, 1),
        }
    }
}

/// The findings of an earlier report, by fingerprint.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The report it was read from.
    pub source: String,
    /// Each fingerprint's highest severity in that report.
    fingerprints: HashMap<String, Severity>,
}

impl Baseline {
    /// Reads an earlier `--format json` report ([`ReportFindings::load`]).
    ///
    /// # Errors
    /// A message naming the file when it cannot be read or is not a bomvet report.
    pub fn load(path: &std::path::Path) -> Result<Baseline, String> {
        let report = ReportFindings::load(path)?;
        Ok(Baseline {
            source: report.source,
            fingerprints: report
                .findings
                .into_iter()
                .map(|(fp, f)| (fp, f.severity))
                .collect(),
        })
    }
}

/// A finding of a report read back: its severity and the finding as written.
#[derive(Debug, Clone)]
pub struct ReportFinding {
    /// Its severity.
    pub severity: Severity,
    /// The finding as the report wrote it.
    pub json: serde_json::Value,
}

/// The findings of a bomvet `--format json` report by fingerprint, read the one way that
/// `scan --baseline` and `bomvet diff` both read them (they read them apart, and differed on a
/// repeated fingerprint and on a severity bomvet does not write).
#[derive(Debug, Clone, Default)]
pub struct ReportFindings {
    /// The report it was read from.
    pub source: String,
    /// Each fingerprint's finding; of a fingerprint written more than once, the first at its
    /// highest severity (a baseline accepts a finding at that severity, not above: decision 45).
    pub findings: std::collections::BTreeMap<String, ReportFinding>,
}

impl ReportFindings {
    /// Reads a report.
    ///
    /// # Errors
    /// A message naming the file: it cannot be read, is not JSON (with line and column), has no
    /// `findings` array, or a finding has no `fingerprint` or no severity bomvet writes. A report
    /// that cannot be read exactly is never taken as one with fewer findings: a gate fails
    /// closed.
    pub fn load(path: &std::path::Path) -> Result<ReportFindings, String> {
        let text = std::fs::read(path)
            .map_err(|e| format!("cannot read report `{}`: {e}", path.display()))?;
        let v: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
            format!(
                "`{}`:{}:{}: not JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        let found = match v {
            serde_json::Value::Object(mut v) => v.remove("findings"),
            _ => None,
        };
        let Some(serde_json::Value::Array(found)) = found else {
            return Err(format!(
                "`{}`: not a bomvet report (no `findings` array)",
                path.display()
            ));
        };
        let mut findings = std::collections::BTreeMap::new();
        for (i, json) in found.into_iter().enumerate() {
            let fp = json
                .get("fingerprint")
                .and_then(|x| x.as_str())
                .ok_or_else(|| {
                    format!(
                        "`{}`: findings[{i}] has no `fingerprint` (a report older than bomvet 0.1?)",
                        path.display()
                    )
                })?
                .to_owned();
            let severity = json
                .get("severity")
                .and_then(|s| Severity::deserialize(s).ok())
                .ok_or_else(|| {
                    format!(
                        "`{}`: findings[{i}] has no `severity` that bomvet writes (`info`, `needs-context`, `review`, `block`)",
                        path.display()
                    )
                })?;
            match findings.entry(fp) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(ReportFinding { severity, json });
                }
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    if severity > e.get().severity {
                        e.insert(ReportFinding { severity, json });
                    }
                }
            }
        }
        Ok(ReportFindings {
            source: path.display().to_string(),
            findings,
        })
    }
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Nothing at or above the threshold, every input read.
    Pass,
    /// Findings at or above the threshold.
    Fail,
    /// At least one input could not be read: the job was not done.
    Error,
}

/// The verdict of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Pass, fail or error.
    pub status: Status,
    /// The process exit code: 0 pass, 1 fail, 2 error.
    pub exit_code: i32,
    /// The threshold.
    pub fail_on: String,
    /// Findings at or above it that are neither waived nor in the baseline.
    pub gating_findings: usize,
    /// Inputs whose share of components of unknown origin is above `--max-unknown-origin`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_origin_over_limit: Vec<String>,
    /// Audited inputs that list no components: nothing in them could be vetted, so they fail
    /// the run unless `--allow-empty` is given (then this list is empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub no_components: Vec<String>,
}

/// One input as summarised in the report.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    /// The path as given.
    pub source: String,
    /// `audited`, `joined`, `failed` or `skipped`.
    pub status: &'static str,
    /// For a `joined` input: the input whose audit includes its components.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined_into: Option<String>,
    /// For an audited product: the supplier SBOMs joined into it, and through which links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<JoinedDocument>,
    /// Why it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Detected format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Spec version as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_version: Option<String>,
    /// Document name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Serial number or namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Components read.
    pub components: usize,
    /// Relationships read (after normalisation).
    pub relationships: usize,
    /// Edges in the graph, including implicit `listed` edges.
    pub edges: usize,
    /// Refs of the roots (products).
    pub roots: Vec<String>,
    /// Origin accounting.
    pub origin: OriginCounts,
    /// Share of components whose origin is known (matched or cleared), in percent; 0 for an
    /// SBOM with no components (nothing in it is known).
    pub origin_coverage_pct: f64,
    /// Deviations noticed while reading.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// A supplier SBOM joined into an audited input.
#[derive(Debug, Clone, Serialize)]
pub struct JoinedDocument {
    /// Its file.
    pub source: String,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its components.
    pub components: usize,
    /// The links that join it: the linking component's ref and the kind of link.
    pub links: Vec<LinkSummary>,
}

/// One link from a component to a joined SBOM.
#[derive(Debug, Clone, Serialize)]
pub struct LinkSummary {
    /// The linking component's ref (a joined document's refs carry its file as a prefix).
    pub from: String,
    /// How the link is written.
    pub via: bomvet_model::LinkVia,
}

impl JoinedDocument {
    fn of(d: bomvet_model::LinkedDocument) -> JoinedDocument {
        JoinedDocument {
            source: d.source,
            name: d.name,
            components: d.components,
            links: d
                .via
                .into_iter()
                .map(|(from, via)| LinkSummary { from, via })
                .collect(),
        }
    }
}

impl InputSummary {
    fn empty(source: String, status: &'static str, error: String) -> InputSummary {
        InputSummary {
            source,
            status,
            joined_into: None,
            linked: Vec::new(),
            error: Some(error),
            format: None,
            spec_version: None,
            name: None,
            serial: None,
            components: 0,
            relationships: 0,
            edges: 0,
            roots: Vec::new(),
            origin: OriginCounts::default(),
            origin_coverage_pct: 0.0,
            diagnostics: Vec::new(),
        }
    }
}

/// Totals over the run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Inputs given.
    pub inputs: usize,
    /// Inputs that could not be read.
    pub failed_inputs: usize,
    /// Files found in directories that are not SBOM candidates.
    pub skipped_inputs: usize,
    /// Components over all audited inputs.
    pub components: usize,
    /// Origin accounting over all inputs.
    pub origin: OriginCounts,
    /// Findings per code.
    pub by_code: BTreeMap<String, usize>,
    /// `restricted-origin` findings per severity.
    pub restricted_by_severity: BTreeMap<String, usize>,
    /// Restricted entities found, by id, with the number of components.
    pub entities: BTreeMap<String, usize>,
    /// Per input with restricted components: the product and whose components it contains, with
    /// the worst severity per entity (the portfolio view).
    pub products: Vec<ProductSummary>,
    /// Findings covered by a waiver.
    pub waived: usize,
    /// Findings already in the baseline.
    pub in_baseline: usize,
}

/// One product (input) that contains restricted components.
#[derive(Debug, Clone, Serialize)]
pub struct ProductSummary {
    /// The SBOM file.
    pub source: String,
    /// The product's name (the SBOM's described component or document name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Restricted entity id -> the worst severity of its findings in this product.
    pub entities: BTreeMap<String, Severity>,
    /// Whether any of them gates.
    pub gating: bool,
}

/// Name, version and policy of the tool that made a report.
#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    /// `bomvet`.
    pub name: String,
    /// Tool version.
    pub version: String,
    /// Policy name.
    pub policy: String,
    /// Date of the embedded default policy's facts, when it was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_date: Option<String>,
    /// Policy sources in load order.
    pub policy_sources: Vec<String>,
}

impl ToolInfo {
    /// This version of bomvet with `policy`.
    pub fn new(policy: &Policy) -> ToolInfo {
        ToolInfo {
            name: "bomvet".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            policy: policy.meta.name.clone(),
            policy_date: policy.meta.default_date.clone(),
            policy_sources: policy.meta.sources.clone(),
        }
    }
}

/// Everything one run found: the contract behind `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool and policy.
    pub tool: ToolInfo,
    /// When the report was made, only when asked (`--timestamp`, `SOURCE_DATE_EPOCH`), so that
    /// reports are byte-identical by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Pass, fail or error.
    pub verdict: Verdict,
    /// Totals.
    pub summary: Summary,
    /// Each input in the order given.
    pub inputs: Vec<InputSummary>,
    /// Every finding, most severe first, then by input, component position, entity.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Assembles the report and decides the gate, the one place where pass or fail is decided.
    pub fn new(
        tool: ToolInfo,
        timestamp: Option<String>,
        outcomes: Vec<InputOutcome>,
        gate: Gate,
    ) -> Report {
        let fail_on = gate.fail_on;
        let mut inputs = Vec::new();
        let mut findings = Vec::new();
        let mut failed = 0;
        let mut skipped = 0;
        let mut origin = OriginCounts::default();
        let mut components = 0;
        for (n, o) in outcomes.into_iter().enumerate() {
            match o {
                InputOutcome::Audited(b) => {
                    let (sbom, audit) = *b;
                    let total = sbom.components;
                    origin.matched += audit.origin.matched;
                    origin.cleared += audit.origin.cleared;
                    origin.unknown += audit.origin.unknown;
                    components += total;
                    inputs.push(InputSummary {
                        source: sbom.source.clone(),
                        status: "audited",
                        joined_into: None,
                        linked: sbom.linked.into_iter().map(JoinedDocument::of).collect(),
                        error: None,
                        format: Some(sbom.format),
                        spec_version: Some(sbom.spec_version.clone()),
                        name: sbom.name.clone(),
                        serial: sbom.serial.clone(),
                        components: total,
                        relationships: sbom.relationships,
                        edges: audit.edges,
                        roots: audit.roots,
                        origin: audit.origin,
                        origin_coverage_pct: coverage(audit.origin, total),
                        diagnostics: sbom.diagnostics,
                    });
                    let document = sbom.name.clone().unwrap_or_default();
                    findings.extend(audit.findings.into_iter().map(|mut f| {
                        f.order.0 = f.order.0.min(usize::MAX - 1);
                        f.document.clone_from(&document);
                        (n, f)
                    }));
                }
                InputOutcome::Joined { info, into } => {
                    let info = *info;
                    inputs.push(InputSummary {
                        source: info.source,
                        status: "joined",
                        joined_into: Some(into),
                        linked: Vec::new(),
                        error: None,
                        format: Some(info.format),
                        spec_version: Some(info.spec_version),
                        name: info.name,
                        serial: info.serial,
                        components: info.components,
                        relationships: info.relationships,
                        edges: 0,
                        roots: Vec::new(),
                        origin: OriginCounts::default(),
                        origin_coverage_pct: 0.0,
                        diagnostics: info.diagnostics,
                    });
                }
                InputOutcome::Failed { source, error } => {
                    failed += 1;
                    inputs.push(InputSummary::empty(source, "failed", error));
                }
                InputOutcome::Skipped { source, reason } => {
                    skipped += 1;
                    inputs.push(InputSummary::empty(source, "skipped", reason));
                }
            }
        }
        // Waivers and the baseline, then the unknown-origin limit: all before the gate.
        let mut used = vec![false; gate.waivers.as_ref().map_or(0, |w| w.list.len())];
        // For an unused waiver whose selectors matched a finding but whose `path` did not hold:
        // the first such component, to say why.
        let mut path_missed: Vec<Option<String>> = vec![None; used.len()];
        let mut expired_hits: Vec<(usize, String)> = Vec::new();
        // Fingerprints (a SHA-256 each) in parallel: a portfolio has tens of thousands.
        findings
            .par_iter_mut()
            .for_each(|(_, f)| f.fingerprint = fingerprint(f));
        for (_, f) in &mut findings {
            if let Some(ws) = &gate.waivers {
                for (wi, w) in ws.list.iter().enumerate() {
                    if !w.selects(f) {
                        continue;
                    }
                    if !w.paths_hold(f) {
                        path_missed[wi].get_or_insert_with(|| f.component.id.clone());
                        continue;
                    }
                    used[wi] = true;
                    if w.expires >= gate.today {
                        f.waiver = Some(w.applied());
                        break;
                    }
                    expired_hits.push((wi, f.component.id.clone()));
                }
            }
            if let Some(b) = &gate.baseline {
                f.baseline = Some(match b.fingerprints.get(&f.fingerprint) {
                    Some(&old) if f.severity <= old => BaselineStatus::Existing,
                    Some(_) => BaselineStatus::Raised,
                    None => BaselineStatus::New,
                });
            }
        }
        if let Some(ws) = &gate.waivers {
            let waiver_finding = |code: Code, w: &waiver::Waiver, message: String| {
                let mut c = Component::new(
                    bomvet_model::ComponentRef::default(),
                    bomvet_model::format_compact!("waiver ({})", w.selector),
                    bomvet_model::Location(w.location.as_str().into()),
                );
                c.version = None;
                let mut f = plain(&ws.source.display().to_string(), &c, usize::MAX);
                f.code = code;
                f.severity = Severity::Info;
                f.message = message;
                f.fingerprint = fingerprint(&f);
                f
            };
            expired_hits.sort();
            expired_hits.dedup_by_key(|(wi, _)| *wi);
            for (wi, component) in &expired_hits {
                let w = &ws.list[*wi];
                findings.push((
                    usize::MAX,
                    waiver_finding(
                        Code::ExpiredWaiver,
                        w,
                        format!(
                            "waiver at `{}` ({}) expired on {} and no longer waives `{component}`",
                            w.location, w.selector, w.expires
                        ),
                    ),
                ));
            }
            for (wi, w) in ws.list.iter().enumerate() {
                if !used[wi] {
                    let message = match (&path_missed[wi], w.path_glob()) {
                        (Some(component), Some(glob)) => format!(
                            "waiver at `{}` ({}) waives nothing: `{component}` is reached by a path that passes no component matching `path` `{glob}`",
                            w.location, w.selector
                        ),
                        _ => format!(
                            "waiver at `{}` ({}) matched no finding",
                            w.location, w.selector
                        ),
                    };
                    findings.push((usize::MAX, waiver_finding(Code::UnusedWaiver, w, message)));
                }
            }
        }
        findings.par_sort_by(|(na, a), (nb, b)| {
            b.severity
                .cmp(&a.severity)
                .then(a.code.cmp(&b.code))
                .then(na.cmp(nb))
                .then(a.order.cmp(&b.order))
                .then(a.message.cmp(&b.message))
        });
        let findings: Vec<Finding> = findings.into_iter().map(|(_, f)| f).collect();
        let mut by_code = BTreeMap::new();
        let mut restricted_by_severity = BTreeMap::new();
        let mut entities: BTreeMap<String, usize> = BTreeMap::new();
        for f in &findings {
            *by_code.entry(f.code.as_str().to_owned()).or_insert(0) += 1;
            if f.code == Code::RestrictedOrigin {
                *restricted_by_severity
                    .entry(f.severity.as_str().to_owned())
                    .or_insert(0) += 1;
                if let Some(e) = &f.entity {
                    *entities.entry(e.id.clone()).or_insert(0) += 1;
                }
            }
        }
        let mut findings = findings;
        for f in &mut findings {
            f.gates = fail_on.gates(f.severity)
                && f.waiver.is_none()
                && f.baseline != Some(BaselineStatus::Existing);
        }
        let gating = findings.iter().filter(|f| f.gates).count();
        let waived = findings.iter().filter(|f| f.waiver.is_some()).count();
        let mut products: Vec<ProductSummary> = Vec::new();
        for i in inputs.iter().filter(|i| i.status == "audited") {
            let mut entities: BTreeMap<String, Severity> = BTreeMap::new();
            let mut gating_here = false;
            for f in findings
                .iter()
                .filter(|f| f.source == i.source && f.code == Code::RestrictedOrigin)
            {
                if let Some(e) = &f.entity {
                    let worst = entities.entry(e.id.clone()).or_insert(f.severity);
                    *worst = (*worst).max(f.severity);
                }
                gating_here |= f.gates;
            }
            if !entities.is_empty() {
                products.push(ProductSummary {
                    source: i.source.clone(),
                    product: i.name.clone(),
                    entities,
                    gating: gating_here,
                });
            }
        }
        let in_baseline = findings
            .iter()
            .filter(|f| f.baseline == Some(BaselineStatus::Existing))
            .count();
        let unknown_origin_over_limit: Vec<String> = match gate.max_unknown_origin {
            Some(max) => inputs
                .iter()
                // An input with no components is the empty rule's (below), whatever the limit.
                .filter(|i| {
                    i.status == "audited"
                        && i.components > 0
                        && 100.0 - i.origin_coverage_pct > max + 1e-9
                })
                .map(|i| i.source.clone())
                .collect(),
            None => Vec::new(),
        };
        let no_components: Vec<String> = if gate.allow_empty {
            Vec::new()
        } else {
            inputs
                .iter()
                .filter(|i| i.status == "audited" && i.components == 0)
                .map(|i| i.source.clone())
                .collect()
        };
        let status = if failed > 0 {
            Status::Error
        } else if gating > 0 || !unknown_origin_over_limit.is_empty() || !no_components.is_empty() {
            Status::Fail
        } else {
            Status::Pass
        };
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool,
            timestamp,
            verdict: Verdict {
                status,
                exit_code: match status {
                    Status::Pass => 0,
                    Status::Fail => 1,
                    Status::Error => 2,
                },
                fail_on: fail_on.as_str().to_owned(),
                gating_findings: gating,
                unknown_origin_over_limit,
                no_components,
            },
            summary: Summary {
                inputs: inputs.len(),
                failed_inputs: failed,
                skipped_inputs: skipped,
                components,
                origin,
                by_code,
                restricted_by_severity,
                entities,
                products,
                waived,
                in_baseline,
            },
            inputs,
            findings,
        }
    }
}

/// Stable identity of a finding across runs: what it is about, not where in the file.
fn fingerprint(f: &Finding) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let parts = [
        f.code.as_str(),
        f.entity.as_ref().map_or("", |e| e.id.as_str()),
        f.rules.first().map_or("", |r| r.id.as_str()),
        &f.component.id,
        f.component.purl.as_deref().unwrap_or(""),
        &f.component.name,
        f.component.version.as_deref().unwrap_or(""),
        &f.document,
    ];
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    for r in &f.related {
        h.update(r.as_bytes());
        h.update([0u8]);
    }
    if matches!(f.code, Code::ExpiredWaiver | Code::UnusedWaiver) {
        h.update(f.component.location.as_bytes());
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn coverage(o: OriginCounts, total: usize) -> f64 {
    // Of no components, none is known: an empty SBOM is never "fully known" (decision 34).
    if total == 0 {
        return 0.0;
    }
    let known = (o.matched + o.cleared) as f64 * 100.0 / total as f64;
    (known * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finding codes are unique, kebab-case and described.
    #[test]
    fn codes_are_unique_and_described() {
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        for c in Code::ALL {
            assert!(c
                .as_str()
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '-'));
            assert!(c.description().ends_with('.'));
            let json = serde_json::to_string(&c).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }

    /// The gate compares severities in one place.
    #[test]
    fn fail_on_thresholds() {
        assert!(FailOn::Severity(Severity::Block).gates(Severity::Block));
        assert!(!FailOn::Severity(Severity::Block).gates(Severity::Review));
        assert!(FailOn::Severity(Severity::NeedsContext).gates(Severity::Review));
        assert!(!FailOn::Never.gates(Severity::Block));
    }
}
