//! The component graph of one SBOM: built in two passes with petgraph, with roots, dangling
//! references, duplicate references and cycles reported, and the path queries the audit needs.
//!
//! Node `i` of the graph is component `i` of the [`Sbom`], so callers work with plain component
//! indices and never see petgraph types. Edges point from the including component to the
//! included one (the readers normalise SPDX relationship directions).
//!
//! Decisions (see also `docs/decisions.md`):
//! - A reference that points at no component is a [`GraphIssue::DanglingRef`], never a new node.
//! - When a document declares exactly one root (CycloneDX `metadata.component`, or one SPDX
//!   `DESCRIBES` target) every component that nothing else includes is attached to that root with
//!   an [`EdgeKind::Listed`] edge: a flat component list is the product's content. With several
//!   declared roots such orphans are roots of their own, since bomvet cannot know whose they are.
//! - Components that are reachable from no root (they sit on a cycle that nothing enters) are
//!   attached to the single declared root like orphans; without exactly one declared root the
//!   first such component, in document order, becomes an extra root. Every component has a path.
//! - petgraph's `DiGraph` holds the edges (and answers `parents`); the searches and passes walk
//!   each component's children from flat lists made once from it, in petgraph's order (so every
//!   answer is the one a walk of petgraph's lists gives). petgraph keeps a component's edges as a
//!   linked list through one array of all edges: at 100k components a walk of the whole graph
//!   was a cache miss per edge, and Tarjan's search over those lists was the longest step of the
//!   build (28 vs 33 ms); `petgraph::csr::Csr` would need every (from, to) pair once, and an SBOM
//!   can join two components by several kinds of edge.
//! - Refs are resolved through [`RefIndex`]: 64 `hashbrown` tables by hash, filled on every core
//!   (the audit makes it before the graph's build and the matcher share the threads). One table
//!   filled on one thread was the build's longest step at 100k components (decision 46).

use std::collections::VecDeque;

pub mod link;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use bomvet_model::{idx, ComponentRef, EdgeKind, Sbom};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;

/// A structural problem of the document's graph. Never fatal; reported as a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum GraphIssue {
    /// A relationship or root names a reference that no component has.
    DanglingRef {
        /// Index of the component the relationship starts from (absent when that ref dangles
        /// too, and for a declared root).
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<usize>,
        /// The reference that points nowhere.
        to: ComponentRef,
        /// Where the reference is written (`dependencies[3].dependsOn[0]`).
        location: String,
    },
    /// Two or more components share one reference; relationships resolve to the first.
    DuplicateRef {
        /// The shared reference.
        id: ComponentRef,
        /// Component indices that carry it, in document order.
        components: Vec<usize>,
    },
    /// A component includes itself.
    SelfLoop {
        /// Index of the component.
        component: usize,
        /// Where the relationship is written.
        location: String,
    },
    /// A set of components that include each other in a cycle.
    Cycle {
        /// Component indices on the cycle, in document order.
        components: Vec<usize>,
    },
}

/// The component graph of one SBOM.
#[derive(Debug)]
pub struct SbomGraph {
    graph: DiGraph<(), EdgeKind, u32>,
    /// Each component's children in one flat list, in petgraph's order, made once the edges
    /// are final: what the searches and passes walk ([`Children`]).
    kids: Children,
    roots: Vec<usize>,
    /// `is_root[i]`: component `i` is one of `roots`.
    is_root: Vec<bool>,
    /// Strongly connected components in reverse topological order, flattened: component `k`
    /// is `scc_members[scc_start[k]..scc_start[k + 1]]`. Computed once in `build`.
    scc_start: Vec<u32>,
    scc_members: Vec<u32>,
    /// The strongly connected component of each component, by its place in that order: for the
    /// passes over the condensation (`path_counts`, `ancestors_of`, each batch of which had made
    /// it again).
    scc_of: Vec<u32>,
    declared_roots: usize,
    issues: Vec<GraphIssue>,
}

/// Which of `edges` (source, target, kind; sources below `n`) repeat an earlier one: each is kept
/// at its first place. The edges are bucketed by source in two passes (a counting sort, stable, so
/// each bucket is in document order); a bucket is searched pair by pair while it is short, and
/// sorted by target, kind and place when it is long (a hub with thousands of dependencies would
/// make the pairs quadratic).
fn duplicate_edges(edges: &[(u32, u32, EdgeKind)], n: usize) -> Vec<bool> {
    const SHORT: usize = 16;
    let mut start = vec![0u32; n + 1];
    for &(f, ..) in edges {
        start[f as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut order = vec![0u32; edges.len()];
    for (i, &(f, ..)) in edges.iter().enumerate() {
        order[next[f as usize] as usize] = idx(i);
        next[f as usize] += 1;
    }
    drop(next);
    let mut duplicate = vec![false; edges.len()];
    let target = |i: u32| (edges[i as usize].1, edges[i as usize].2);
    for f in 0..n {
        let bucket = &mut order[start[f] as usize..start[f + 1] as usize];
        if bucket.len() <= SHORT {
            for a in 1..bucket.len() {
                if bucket[..a].iter().any(|&b| target(b) == target(bucket[a])) {
                    duplicate[bucket[a] as usize] = true;
                }
            }
        } else {
            bucket.sort_unstable_by_key(|&i| (target(i), i));
            for pair in bucket.windows(2) {
                if target(pair[0]) == target(pair[1]) {
                    duplicate[pair[1] as usize] = true;
                }
            }
        }
    }
    duplicate
}

/// Each component's index by its ref, in 64 tables by hash filled on every core (one table for
/// small documents). The refs are copied into the tables (most are short enough to be kept
/// inline, 24 bytes): tables of `&str` pointing into the components made every lookup read a
/// component's memory to compare the key, a cache miss per lookup that was most of resolving
/// the relationships (100k components: `memcmp` was a quarter of the graph's build). One table on one thread was the
/// longest step of the build (100k tag-value: 11-16 ms of a 33 ms build, beside the matcher):
/// each insert a cache miss into a 4 MB table. Sharded, each table is small enough to stay in
/// cache while it is filled (~50 KB at 100k), and the shards are filled on every core.
pub struct RefIndex {
    hasher: foldhash::fast::RandomState,
    shards: Vec<hashbrown::HashTable<(bomvet_model::CompactString, u32)>>,
    /// The shard of a hash: its middle bits, `shards.len() - 1` of them.
    mask: usize,
    /// Refs written on more than one component: (first, later), in no order.
    repeated: Vec<(u32, u32)>,
}

impl std::fmt::Debug for RefIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefIndex")
            .field("refs", &self.shards.iter().map(|t| t.len()).sum::<usize>())
            .field("repeated", &self.repeated.len())
            .finish()
    }
}

impl RefIndex {
    /// Tables of a large document; a power of two. The shard is read off the hash's middle
    /// bits, which a table uses neither for its buckets (the low bits) nor for its tags (the top
    /// seven).
    const SHARDS: usize = 64;

    /// Components from which the index is sharded (below, one table: 64 lists and tables cost
    /// more than they save in a portfolio's small documents).
    const SHARDED_ABOVE: usize = 4096;

    /// The index of `sbom`'s components, on every core from [`RefIndex::PARALLEL_ABOVE`] on.
    pub fn new(sbom: &Sbom) -> RefIndex {
        use rayon::prelude::*;
        use std::hash::BuildHasher;
        let components = &sbom.components;
        let hasher = foldhash::fast::RandomState::default();
        let hash = |i: usize| hasher.hash_one(components[i].id.as_str());
        let parallel = components.len() >= Self::PARALLEL_ABOVE && rayon::current_num_threads() > 1;
        let hashes: Vec<u64> = if parallel {
            (0..components.len())
                .into_par_iter()
                .with_min_len(4096)
                .map(hash)
                .collect()
        } else {
            (0..components.len()).map(hash).collect()
        };
        let shards = if components.len() >= Self::SHARDED_ABOVE {
            Self::SHARDS
        } else {
            1
        };
        let mask = shards - 1;
        // Each shard's components, in document order (so that the first of a repeated ref is
        // the one kept).
        let mut lists: Vec<Vec<(u64, u32)>> = (0..shards)
            .map(|_| Vec::with_capacity(components.len() / shards + 16))
            .collect();
        for (i, &h) in hashes.iter().enumerate() {
            lists[Self::shard(h, mask)].push((h, idx(i)));
        }
        drop(hashes);
        let fill = |list: Vec<(u64, u32)>| {
            let mut table = hashbrown::HashTable::with_capacity(list.len());
            let mut repeated = Vec::new();
            for (h, i) in list {
                let id = &components[i as usize].id.0;
                match table.entry(
                    h,
                    |(k, _): &(bomvet_model::CompactString, u32)| k == id,
                    |(k, _)| hasher.hash_one(k.as_str()),
                ) {
                    hashbrown::hash_table::Entry::Occupied(first) => {
                        repeated.push((first.get().1, i));
                    }
                    hashbrown::hash_table::Entry::Vacant(slot) => {
                        slot.insert((id.clone(), i));
                    }
                }
            }
            (table, repeated)
        };
        let filled: Vec<_> = if parallel {
            lists.into_par_iter().map(fill).collect()
        } else {
            lists.into_iter().map(fill).collect()
        };
        let mut index = RefIndex {
            hasher,
            shards: Vec::with_capacity(shards),
            mask,
            repeated: Vec::new(),
        };
        for (table, repeated) in filled {
            index.shards.push(table);
            index.repeated.extend(repeated);
        }
        index
    }

    /// Components from which the index is built on every core.
    pub const PARALLEL_ABOVE: usize = 16_384;

    fn shard(hash: u64, mask: usize) -> usize {
        (hash >> 32) as usize & mask
    }

    /// The component whose ref is `id` (the first, when several are).
    fn get(&self, id: &str) -> Option<usize> {
        use std::hash::BuildHasher;
        let h = self.hasher.hash_one(id);
        self.shards[Self::shard(h, self.mask)]
            .find(h, |(k, _)| k == id)
            .map(|&(_, i)| i as usize)
    }
}

/// Relationships are resolved to components on every core in pieces of this many, from twice
/// as many on.
const RESOLVE_PIECE: usize = 8192;

/// The relationships whose ends are components, as edges, and the issues of those whose ends are
/// not, both in document order. Each end is looked up by its ref in `index`: the lookups were the
/// largest part of building the graph, which runs on one thread beside the matcher (at 100k
/// components it outlasted the matcher, and the matcher's thread waited); in pieces on every
/// core, the matcher's thread takes the pieces left when it is done.
fn resolve(
    index: &RefIndex,
    relationships: &[bomvet_model::Relationship],
) -> (Vec<(u32, u32, EdgeKind)>, Vec<GraphIssue>) {
    use rayon::prelude::*;
    if relationships.len() < 2 * RESOLVE_PIECE || rayon::current_num_threads() < 2 {
        return resolve_piece(index, relationships);
    }
    let pieces: Vec<_> = relationships
        .par_chunks(RESOLVE_PIECE)
        .map(|piece| resolve_piece(index, piece))
        .collect();
    let mut resolved = Vec::with_capacity(pieces.iter().map(|(r, _)| r.len()).sum());
    let mut issues = Vec::new();
    for (r, i) in pieces {
        resolved.extend(r);
        issues.extend(i);
    }
    (resolved, issues)
}

/// [`resolve`] on one thread.
fn resolve_piece(
    index: &RefIndex,
    relationships: &[bomvet_model::Relationship],
) -> (Vec<(u32, u32, EdgeKind)>, Vec<GraphIssue>) {
    let mut resolved = Vec::with_capacity(relationships.len());
    let mut issues = Vec::new();
    // The source of consecutive relationships is often the same (a CycloneDX dependency
    // entry's `dependsOn`, an SPDX element's relationships): looked up once.
    let mut last_from: Option<(&str, Option<usize>)> = None;
    for r in relationships {
        let from = match last_from {
            Some((id, at)) if id == r.from.as_str() => at,
            _ => {
                let at = index.get(r.from.as_str());
                last_from = Some((r.from.as_str(), at));
                at
            }
        };
        let to = index.get(r.to.as_str());
        match (from, to) {
            (Some(f), Some(t)) if f == t => issues.push(GraphIssue::SelfLoop {
                component: f,
                location: r.origin.to_string(),
            }),
            (Some(f), Some(t)) => resolved.push((idx(f), idx(t), r.kind)),
            (None, _) => issues.push(GraphIssue::DanglingRef {
                from: None,
                to: r.from.clone(),
                location: r.origin.to_string(),
            }),
            (Some(f), None) => issues.push(GraphIssue::DanglingRef {
                from: Some(f),
                to: r.to.clone(),
                location: r.origin.to_string(),
            }),
        }
    }
    (resolved, issues)
}

impl SbomGraph {
    /// Builds the graph: first every component becomes a node, then every relationship whose
    /// ends resolve becomes an edge.
    pub fn build(sbom: &Sbom) -> SbomGraph {
        SbomGraph::build_indexed(sbom, RefIndex::new(sbom))
    }

    /// [`SbomGraph::build`] with the index of `sbom`'s refs made already (the audit makes it on
    /// every core before the graph's build and the matcher share them).
    pub fn build_indexed(sbom: &Sbom, mut index: RefIndex) -> SbomGraph {
        let n = sbom.components.len();
        let mut graph = DiGraph::<(), EdgeKind, u32>::with_capacity(n, sbom.relationships.len());
        // Pass 1: nodes.
        for _ in 0..n {
            graph.add_node(());
        }
        let mut issues = Vec::new();
        let mut repeated = std::mem::take(&mut index.repeated);
        repeated.sort_unstable();
        for run in repeated.chunk_by(|a, b| a.0 == b.0) {
            let first = run[0].0 as usize;
            let mut components = vec![first];
            components.extend(run.iter().map(|&(_, i)| i as usize));
            issues.push(GraphIssue::DuplicateRef {
                id: sbom.components[first].id.clone(),
                components,
            });
        }
        // Pass 2: edges, each (from, to, kind) once, in document order. Duplicates are found by
        // bucketing the resolved edges by their source rather than with a hash set of them (a set
        // of 2M edges was ~100 MB, the largest thing the audit of a 1M-component SBOM allocated)
        // or by sorting them all (a fifth of the graph's build at 100k components).
        let (resolved, unresolved) = resolve(&index, &sbom.relationships);
        issues.extend(unresolved);
        let duplicate = duplicate_edges(&resolved, n);
        // Whether anything includes each component, marked as the edges are added (a look at
        // each component's incoming list afterwards was a cache miss a component).
        let mut included = vec![false; n];
        for (&(f, t, kind), dup) in resolved.iter().zip(duplicate) {
            if !dup {
                graph.add_edge(NodeIndex::new(f as usize), NodeIndex::new(t as usize), kind);
                included[t as usize] = true;
            }
        }
        drop(resolved);
        // Roots.
        // Membership in a vector, not `roots.contains`: an SPDX document may describe thousands
        // of packages, and a list search per component was quadratic.
        let mut roots = Vec::new();
        let mut is_root = vec![false; n];
        for r in &sbom.declared_roots {
            match index.get(r.as_str()) {
                Some(i) if !is_root[i] => {
                    is_root[i] = true;
                    roots.push(i);
                }
                Some(_) => {}
                None => issues.push(GraphIssue::DanglingRef {
                    from: None,
                    to: r.clone(),
                    location: "documentDescribes".into(),
                }),
            }
        }
        drop(index);
        let declared_roots = roots.len();
        let parentless: Vec<usize> = (0..n).filter(|&i| !is_root[i] && !included[i]).collect();
        if declared_roots == 1 {
            let root = NodeIndex::new(roots[0]);
            for i in parentless {
                graph.add_edge(root, NodeIndex::new(i), EdgeKind::Listed);
            }
        } else {
            for &i in &parentless {
                is_root[i] = true;
            }
            roots.extend(parentless);
        }
        let mut g = SbomGraph {
            kids: Children::of(&graph),
            graph,
            roots,
            is_root,
            scc_start: Vec::new(),
            scc_members: Vec::new(),
            scc_of: Vec::new(),
            declared_roots,
            issues,
        };
        // Components on cycles that nothing enters are reached from no root: found from the
        // strongly connected components, which the passes need anyway, and the edges in order
        // (a search from the roots over the whole graph was ~6 ms of the graph's build at 100k
        // components, on one thread while the other waited). Only when there are any is the
        // graph searched, the components promoted, and the components found again.
        (g.scc_start, g.scc_members, g.scc_of) = strongly_connected(&g.kids);
        if !g.roots_reach_all() {
            g.promote_unreached();
            g.kids = Children::of(&g.graph);
            (g.scc_start, g.scc_members, g.scc_of) = strongly_connected(&g.kids);
        }
        let cycles: Vec<GraphIssue> = (0..g.scc_start.len() - 1)
            .map(|k| g.scc(k))
            .filter(|members| members.len() > 1)
            .map(|members| {
                let mut components: Vec<usize> = members.iter().map(|&v| v as usize).collect();
                components.sort_unstable();
                GraphIssue::Cycle { components }
            })
            .collect();
        g.issues.extend(cycles);
        g.issues.sort_by_key(issue_order);
        g
    }

    /// Whether the roots reach every component: they do unless a strongly connected component
    /// that no edge from another one enters (a source of the condensation) holds no root. One
    /// pass over the edges in their order.
    fn roots_reach_all(&self) -> bool {
        let sccs = self.scc_start.len().saturating_sub(1);
        let mut entered = vec![false; sccs];
        for &r in &self.roots {
            entered[self.scc_of[r] as usize] = true;
        }
        for e in self.graph.raw_edges() {
            let (from, to) = (e.source().index(), e.target().index());
            let k = self.scc_of[to];
            if self.scc_of[from] != k {
                entered[k as usize] = true;
            }
        }
        entered.iter().all(|&e| e)
    }

    /// Makes every component reachable from a root: the first one no root reaches (document
    /// order) is attached to the declared root or made a root, what it reaches is marked, and so
    /// on.
    fn promote_unreached(&mut self) {
        let n = self.len();
        // One pass over the graph in total: what the roots reach is marked first, by a search in
        // any order (`reach`, whose paths need children in order, sorted every component's
        // children for it, and is made again for the finished graph).
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = Vec::new();
        let mark_from =
            |stack: &mut Vec<usize>, seen: &mut [bool], graph: &DiGraph<(), EdgeKind, u32>| {
                while let Some(u) = stack.pop() {
                    for v in graph.neighbors_directed(NodeIndex::new(u), Direction::Outgoing) {
                        if !seen[v.index()] {
                            seen[v.index()] = true;
                            stack.push(v.index());
                        }
                    }
                }
            };
        for &r in &self.roots {
            if !seen[r] {
                seen[r] = true;
                stack.push(r);
            }
        }
        mark_from(&mut stack, &mut seen, &self.graph);
        for i in 0..n {
            if seen[i] {
                continue;
            }
            // With one declared root the component is listed in the product's document: attach
            // it there, like an orphan. Otherwise it becomes a root of its own.
            if self.declared_roots == 1 {
                let root = NodeIndex::new(self.roots[0]);
                self.graph
                    .add_edge(root, NodeIndex::new(i), EdgeKind::Listed);
            } else {
                self.roots.push(i);
                self.is_root[i] = true;
            }
            seen[i] = true;
            stack.push(i);
            mark_from(&mut stack, &mut seen, &self.graph);
        }
    }

    /// Number of components (nodes).
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// True when the document has no components.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// Number of edges, including the implicit `listed` ones.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Root components (the products), declared ones first.
    pub fn roots(&self) -> &[usize] {
        &self.roots
    }

    /// True when component `i` is one of the [`roots`](Self::roots).
    pub fn is_root(&self, i: usize) -> bool {
        self.is_root[i]
    }

    /// How many of [`roots`](Self::roots) the document declared.
    pub fn declared_root_count(&self) -> usize {
        self.declared_roots
    }

    /// Structural problems found while building.
    pub fn issues(&self) -> &[GraphIssue] {
        &self.issues
    }

    /// Components that `node` includes directly, with the edge kind, in edge order.
    pub fn children(&self, node: usize) -> impl Iterator<Item = (usize, EdgeKind)> + '_ {
        let (list, kinds) = self.kids.of_node(node);
        list.iter().zip(kinds).map(|(&c, &k)| (c as usize, k))
    }

    /// The implicit `listed` edges bomvet added (see the crate docs), as (root, component).
    pub fn listed_edges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.graph
            .edge_references()
            .filter(|e| *e.weight() == EdgeKind::Listed)
            .map(|e| (e.source().index(), e.target().index()))
    }

    /// Components that include `node` directly.
    pub fn parents(&self, node: usize) -> impl Iterator<Item = (usize, EdgeKind)> + '_ {
        self.graph
            .edges_directed(NodeIndex::new(node), Direction::Incoming)
            .map(|e| (e.source().index(), *e.weight()))
    }

    /// One breadth-first pass from all roots at once: for every component its distance from the
    /// nearest root and its predecessor on one shortest path. Linear in nodes + edges; cycles
    /// are visited once.
    pub fn reach(&self) -> Reach {
        let n = self.len();
        let mut dist = vec![UNREACHED; n];
        let mut pred = vec![usize::MAX; n];
        let mut queue = VecDeque::new();
        for &r in &self.roots {
            if dist[r] == UNREACHED {
                dist[r] = 0;
                queue.push_back(r);
            }
        }
        let mut kids: Vec<usize> = Vec::new();
        while let Some(u) = queue.pop_front() {
            // Children in ascending index order, so the chosen path is deterministic and does
            // not depend on petgraph's edge-list order.
            self.sorted_children(u, &mut kids);
            for &v in &kids {
                if dist[v] == UNREACHED {
                    dist[v] = dist[u] + 1;
                    pred[v] = u;
                    queue.push_back(v);
                }
            }
        }
        Reach { dist, pred }
    }

    /// Every component that includes `node`, directly or transitively (its dependents), the
    /// roots among them, and each root's children among them. One reverse breadth-first pass, in
    /// time and memory proportional to the dependents, not to the SBOM.
    pub fn ancestors(&self, node: usize) -> Ancestors {
        self.ancestors_within(node, usize::MAX).unwrap_or_default()
    }

    /// [`SbomGraph::ancestors`], or `None` as soon as more than `budget` components are found to
    /// include `node`: the search then stops, and [`SbomGraph::ancestors_of`] is the cheaper way
    /// ([`SbomGraph::ancestors_budget`]).
    pub fn ancestors_within(&self, node: usize, budget: usize) -> Option<Ancestors> {
        MARKS.with_borrow_mut(|(marks, stamp)| {
            // Marks of this thread, stamped per call: no clearing, no hashing. A fresh stamp
            // tells this call's marks from any earlier call's, of this SBOM or another one.
            if marks.len() < self.len() {
                marks.resize(self.len(), 0);
            }
            *stamp = stamp.wrapping_add(1);
            if *stamp == 0 {
                marks.fill(0);
                *stamp = 1;
            }
            let s = *stamp;
            // The member list is the breadth-first queue as well. Each edge into a member from a
            // root is met on the way: the roots' children among the members, without a pass
            // over a product's children (thousands) per finding.
            let mut members = vec![node];
            marks[node] = s;
            let mut from_roots: Vec<(usize, usize)> = Vec::new();
            let mut head = 0;
            while let Some(&u) = members.get(head) {
                head += 1;
                for (p, _) in self.parents(u) {
                    if self.is_root[p] {
                        from_roots.push((p, u));
                    }
                    if marks[p] != s {
                        marks[p] = s;
                        members.push(p);
                    }
                }
                if members.len() > budget.saturating_add(1) {
                    return None;
                }
            }
            members.sort_unstable();
            let roots: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&m| self.is_root[m])
                .collect();
            from_roots.sort_unstable();
            from_roots.dedup();
            let mut from_roots = from_roots.into_iter().peekable();
            let via = roots
                .iter()
                .map(|&r| {
                    std::iter::from_fn(|| from_roots.next_if(|&(p, _)| p == r).map(|(_, c)| c))
                        .collect()
                })
                .collect();
            let members = Members::new(members.into_iter().map(idx).collect(), None);
            Some(Ancestors {
                direct: self.direct_parents(node),
                total: members.len() - 1,
                roots,
                via,
                members,
            })
        })
    }

    /// How many dependents [`SbomGraph::ancestors_within`] is worth searching for before a
    /// target is better found with others by [`SbomGraph::ancestors_of`]: a batch pass reads the
    /// whole graph once for [`ANCESTORS_BATCH`] targets, so beyond that share of it per target
    /// the search costs more.
    pub fn ancestors_budget(&self) -> usize {
        (self.len() + self.edge_count()).div_ceil(ANCESTORS_BATCH)
    }

    /// How many distinct components include `node` directly.
    fn direct_parents(&self, node: usize) -> usize {
        let mut direct: Vec<usize> = self.parents(node).map(|(p, _)| p).collect();
        direct.sort_unstable();
        direct.dedup();
        direct.len()
    }

    /// [`SbomGraph::ancestors`] of each of `targets`, in their order, found together: one pass
    /// over the graph for every [`ANCESTORS_BATCH`] targets instead of a search per target. Each
    /// component gets a bit per target of the batch, set when it reaches that target: its own,
    /// or of any child, taken component by strongly connected component from the sinks up (the
    /// order `build` keeps them in), so that a cycle's members share theirs. A component's bits
    /// then make it a member of each set they name, in ascending order, with no sort and no
    /// hashing.
    ///
    /// A search per target cost the sum of the targets' ancestor sets in scattered reads and a
    /// sort of each: 5,000 restricted components of a generated 100,000-component graph 100
    /// layers deep, each with about half the graph above it, took 25 s (issue 7). Here that sum
    /// is only bits read in sequence, and the passes over the graph are one per batch.
    pub fn ancestors_of(&self, targets: &[usize]) -> Vec<Ancestors> {
        targets
            .chunks(ANCESTORS_BATCH)
            .flat_map(|batch| self.ancestors_of_batch(batch))
            .collect()
    }

    /// [`SbomGraph::ancestors_of`] for at most [`ANCESTORS_BATCH`] targets.
    fn ancestors_of_batch(&self, targets: &[usize]) -> Vec<Ancestors> {
        let n = self.len();
        let words = targets.len().div_ceil(64);
        let mut bits = vec![0u64; n * words];
        for (k, &t) in targets.iter().enumerate() {
            bits[t * words + k / 64] |= 1 << (k % 64);
        }
        let sccs = self.scc_start.len().saturating_sub(1);
        let mut acc = vec![0u64; words];
        // Component `v`'s bits into `acc`.
        let or_bits_of = |acc: &mut [u64], bits: &[u64], v: usize| {
            for (a, b) in acc.iter_mut().zip(&bits[v * words..(v + 1) * words]) {
                *a |= b;
            }
        };
        // Sinks first (`strongly_connected`'s order): every child outside the component is done.
        for k in 0..sccs {
            acc.fill(0);
            for &u in self.scc(k) {
                let u = u as usize;
                or_bits_of(&mut acc, &bits, u);
                for &v in self.kids.of_node(u).0 {
                    let v = v as usize;
                    if self.scc_of[v] as usize != k {
                        or_bits_of(&mut acc, &bits, v);
                    }
                }
            }
            if acc.iter().any(|&a| a != 0) {
                for &u in self.scc(k) {
                    let u = u as usize;
                    bits[u * words..(u + 1) * words].copy_from_slice(&acc);
                }
            }
        }
        let mut out: Vec<Ancestors> = targets
            .iter()
            .map(|&t| Ancestors {
                direct: self.direct_parents(t),
                ..Ancestors::default()
            })
            .collect();
        // Each set bit of a component, in ascending order of components.
        let each_bit = |word: &[u64], f: &mut dyn FnMut(usize)| {
            for (w, &x) in word.iter().enumerate() {
                let mut x = x;
                while x != 0 {
                    f(w * 64 + x.trailing_zeros() as usize);
                    x &= x - 1;
                }
            }
        };
        let mut sets: Vec<Vec<u32>> = vec![Vec::new(); targets.len()];
        let mut children = Vec::new();
        for (u, word) in bits.chunks_exact(words).enumerate() {
            each_bit(word, &mut |k| sets[k].push(idx(u)));
            if !self.is_root[u] || word.iter().all(|&x| x == 0) {
                continue;
            }
            each_bit(word, &mut |k| {
                out[k].roots.push(u);
                out[k].via.push(Vec::new());
            });
            // The root's children that reach a target, read off their bits (a root reaches
            // whatever its children do, so its entry was just pushed).
            self.sorted_children(u, &mut children);
            for &c in &children {
                each_bit(&bits[c * words..(c + 1) * words], &mut |k| {
                    if let Some(via) = out[k].via.last_mut() {
                        via.push(c);
                    }
                });
            }
        }
        for (a, set) in out.iter_mut().zip(sets) {
            // Bits as well when there are more members than words of them.
            let bits_for = (set.len() > n / 64).then_some(n);
            a.members = Members::new(set, bits_for);
            a.total = a.members.len() - 1;
        }
        out
    }

    /// The children of `u` that are in `allowed`, ascending, each once, into `out`: from the
    /// children's side or from the set's side, whichever is smaller (the root of a flat SBOM has
    /// every component as a child, and a finding's ancestors are often a handful).
    pub fn sorted_children_within(&self, u: usize, allowed: &Members, out: &mut Vec<usize>) {
        if self.kids.of_node(u).0.len() <= allowed.len() {
            // Those in the set first, then sorted: often a handful of thousands.
            out.clear();
            out.extend(
                self.children(u)
                    .map(|(c, _)| c)
                    .filter(|&c| allowed.contains(c)),
            );
            out.sort_unstable();
            out.dedup();
        } else {
            out.clear();
            out.extend(
                allowed
                    .iter()
                    .filter(|&m| self.parents(m).any(|(p, _)| p == u)),
            );
        }
    }

    /// The children of `u` in ascending index order, each once, into `out`.
    fn sorted_children(&self, u: usize, out: &mut Vec<usize>) {
        out.clear();
        out.extend(self.children(u).map(|(c, _)| c));
        out.sort_unstable();
        out.dedup();
    }
}

impl SbomGraph {
    /// The members of strongly connected component `k` (in reverse topological order).
    fn scc(&self, k: usize) -> &[u32] {
        &self.scc_members[self.scc_start[k] as usize..self.scc_start[k + 1] as usize]
    }

    /// The number of distinct paths from any root to every component, in one pass over the
    /// condensation of the graph (each cycle collapsed to one node, so counting is well defined
    /// and linear). Saturates at `u64::MAX`; a layered graph of 64 diamonds already has 2^64.
    pub fn path_counts(&self) -> Vec<u64> {
        let n = self.len();
        let sccs = self.scc_start.len().saturating_sub(1);
        let scc_of = |v: usize| self.scc_of[v] as usize;
        let mut count = vec![0u64; sccs];
        for &r in &self.roots {
            count[scc_of(r)] = count[scc_of(r)].saturating_add(1);
        }
        // The components are in reverse topological order (`strongly_connected`, in `build`). Each
        // (u, v) pair counts once however many kinds of edge join them: the children of each
        // node deduplicated (a hash set of all pairs was the audit's largest allocation at 1M
        // components).
        let mut kids: Vec<usize> = Vec::new();
        for k in (0..sccs).rev() {
            let c = count[k];
            if c == 0 {
                continue;
            }
            for &u in self.scc(k) {
                self.sorted_children(u as usize, &mut kids);
                for &v in &kids {
                    let kv = scc_of(v);
                    if kv != k {
                        count[kv] = count[kv].saturating_add(c);
                    }
                }
            }
        }
        (0..n).map(|i| count[scc_of(i)]).collect()
    }

    /// Which components are reachable from a root at run time: only through run-time edges
    /// (not dev, build, test, optional or provided dependencies) and never into a component
    /// whose own scope says it is not delivered (`excluded[i]`). One pass.
    pub fn runtime_reachable(&self, excluded: &[bool]) -> Vec<bool> {
        self.reachable_by(|v, kind| !excluded[v] && kind.is_none_or(|k| !k.is_non_runtime()))
    }

    /// Which components are reachable from a root without passing a `blocked` one (a blocked
    /// component, root or not, is not reached): a component that is not reached has every path
    /// from every root through a blocked one, itself included. Every kind of edge counts. One
    /// pass.
    pub fn reachable_avoiding(&self, blocked: &[bool]) -> Vec<bool> {
        self.reachable_by(|v, _| !blocked[v])
    }

    /// The components a breadth-first pass from the roots reaches, entering component `v` only
    /// when `enters(v, kind)` (`kind` `None` for a root, else the kind of the edge into it).
    fn reachable_by(&self, enters: impl Fn(usize, Option<EdgeKind>) -> bool) -> Vec<bool> {
        let n = self.len();
        let mut seen = vec![false; n];
        let mut queue: VecDeque<usize> = VecDeque::new();
        for &r in &self.roots {
            if !seen[r] && enters(r, None) {
                seen[r] = true;
                queue.push_back(r);
            }
        }
        while let Some(u) = queue.pop_front() {
            for (v, kind) in self.children(u) {
                if !seen[v] && enters(v, Some(kind)) {
                    seen[v] = true;
                    queue.push_back(v);
                }
            }
        }
        seen
    }

    /// One shortest path from `root` to `target` through components in `allowed` only (the
    /// target's ancestors): a breadth-first search bounded by that set, in time and memory
    /// proportional to it. `root_children` as for [`SbomGraph::some_paths`].
    pub fn shortest_path(
        &self,
        root: usize,
        target: usize,
        allowed: &Members,
        root_children: &[usize],
    ) -> Vec<usize> {
        let mut pred: HashMap<usize, usize> = HashMap::new();
        pred.insert(root, usize::MAX);
        let mut queue = VecDeque::from([root]);
        let mut kids: Vec<usize> = Vec::new();
        while let Some(u) = queue.pop_front() {
            if u == target {
                let mut path = vec![u];
                let mut cur = u;
                while pred[&cur] != usize::MAX {
                    cur = pred[&cur];
                    path.push(cur);
                }
                path.reverse();
                return path;
            }
            if u == root {
                kids.clear();
                kids.extend_from_slice(root_children);
            } else {
                self.sorted_children_within(u, allowed, &mut kids);
            }
            for &v in &kids {
                if let std::collections::hash_map::Entry::Vacant(e) = pred.entry(v) {
                    e.insert(u);
                    queue.push_back(v);
                }
            }
        }
        Vec::new()
    }

    /// Up to `max` distinct simple paths from `root` to `target`, through components in
    /// `allowed` only (every one of which reaches the target, so the search rarely backtracks).
    /// Bounded work: at most `budget` steps, whatever the shape of the graph.
    ///
    /// `root_children` are the root's children within `allowed` ([`Ancestors::via`]), not looked
    /// for again: a product can have thousands of children, and this runs per finding.
    pub fn some_paths(
        &self,
        root: usize,
        target: usize,
        allowed: &Members,
        root_children: &[usize],
        max: usize,
        budget: usize,
    ) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        if max == 0 {
            return out;
        }
        let mut on_path: HashSet<usize> = HashSet::new();
        let mut path = vec![root];
        on_path.insert(root);
        // Iterative DFS: a stack of child lists with a cursor.
        let kids = |u: usize| -> Vec<usize> {
            let mut k = Vec::new();
            self.sorted_children_within(u, allowed, &mut k);
            k
        };
        let mut stack: Vec<(Vec<usize>, usize)> = vec![(root_children.to_vec(), 0)];
        let mut steps = 0usize;
        if root == target {
            return vec![vec![root]];
        }
        while let Some((children, cursor)) = stack.last_mut() {
            steps += 1;
            if steps > budget || out.len() >= max {
                break;
            }
            if *cursor >= children.len() {
                stack.pop();
                if let Some(u) = path.pop() {
                    on_path.remove(&u);
                }
                continue;
            }
            let v = children[*cursor];
            *cursor += 1;
            if on_path.contains(&v) {
                continue;
            }
            if v == target {
                let mut p = path.clone();
                p.push(v);
                out.push(p);
                continue;
            }
            on_path.insert(v);
            path.push(v);
            stack.push((kids(v), 0));
        }
        out
    }
}

/// Each node's children as petgraph walks them (its edges from the last added to the first), with
/// the kind of each edge, in flat lists: node `v`'s are `list[start[v]..start[v + 1]]`. Walked in
/// sequence, where petgraph's lists of edges are followed edge by edge through the whole edge
/// array, a cache miss per edge in a large graph: Tarjan's search over those lists was the
/// longest step of the graph's build at 100k components, and the passes after it walk them again.
#[derive(Debug, Default)]
struct Children {
    start: Vec<u32>,
    list: Vec<u32>,
    kind: Vec<EdgeKind>,
}

impl Children {
    /// The children of every node of `graph`, in petgraph's order.
    fn of(graph: &DiGraph<(), EdgeKind, u32>) -> Children {
        let n = graph.node_count();
        let edges = graph.raw_edges();
        let mut start = vec![0u32; n + 1];
        for e in edges {
            start[e.source().index() + 1] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut next = start.clone();
        let mut list = vec![0u32; edges.len()];
        let mut kind = vec![EdgeKind::DependsOn; edges.len()];
        for e in edges.iter().rev() {
            let v = e.source().index();
            let at = next[v] as usize;
            list[at] = idx(e.target().index());
            kind[at] = e.weight;
            next[v] += 1;
        }
        Children { start, list, kind }
    }

    /// Node `v`'s children and the kinds of the edges to them.
    fn of_node(&self, v: usize) -> (&[u32], &[EdgeKind]) {
        let (from, to) = (self.start[v] as usize, self.start[v + 1] as usize);
        (&self.list[from..to], &self.kind[from..to])
    }

    /// The number of nodes.
    fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }
}

/// The strongly connected components of `graph` in reverse topological order (every edge leaving
/// a component goes to one listed before it): where each starts in the members (with the end
/// last), the members, and each node's component. Tarjan's algorithm in one pass with an
/// explicit stack (a chain of a million components must not overflow the thread's stack, which
/// rules out petgraph's recursive `TarjanScc`) and three flat vectors, instead of petgraph's
/// `kosaraju_scc`, which walks the graph twice and allocates a vector per component (a
/// hundred thousand of them at 100k components; ~10 ms of the graph's build, decision 40).
/// The children are walked in petgraph's order ([`Children`]), so the components and their
/// order are those of a walk of petgraph's lists.
fn strongly_connected(kids: &Children) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    const UNSEEN: u32 = u32::MAX;
    let n = kids.len();
    let (first, children) = (&kids.start, &kids.list);
    // Each node's visit order and the lowest visit order it reaches; `UNSEEN` until visited,
    // and for `low`, `UNSEEN` once its component is out (so that edges into it are ignored).
    let mut order = vec![UNSEEN; n];
    let mut low = vec![UNSEEN; n];
    let mut start = Vec::new();
    let mut members = Vec::with_capacity(n);
    let mut of = vec![0u32; n];
    // The visited nodes whose component is not out yet, and the path being walked: each node
    // on it with the place of its next child in `children`.
    let mut open: Vec<u32> = Vec::new();
    let mut path: Vec<(u32, u32)> = Vec::new();
    let mut next = 0u32;
    for s in 0..n {
        if order[s] != UNSEEN {
            continue;
        }
        // Node `v` visited: numbered, opened, and its children to walk.
        let mut visit = |v: usize, order: &mut [u32], low: &mut [u32], open: &mut Vec<u32>| {
            order[v] = next;
            low[v] = next;
            next += 1;
            open.push(idx(v));
            (idx(v), first[v])
        };
        path.push(visit(s, &mut order, &mut low, &mut open));
        while let Some((v, at)) = path.last_mut() {
            let v = *v as usize;
            if *at < first[v + 1] {
                let w = children[*at as usize] as usize;
                *at += 1;
                if order[w] == UNSEEN {
                    path.push(visit(w, &mut order, &mut low, &mut open));
                } else if low[w] != UNSEEN {
                    // On the open stack: its component is not out.
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                let parent = parent as usize;
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                let k = idx(start.len());
                start.push(idx(members.len()));
                while let Some(w) = open.pop() {
                    let w = w as usize;
                    low[w] = UNSEEN;
                    of[w] = k;
                    members.push(idx(w));
                    if w == v {
                        break;
                    }
                }
            }
        }
    }
    start.push(idx(members.len()));
    (start, members, of)
}

fn issue_order(i: &GraphIssue) -> (u8, String) {
    match i {
        GraphIssue::DanglingRef { location, .. } => (0, location.clone()),
        GraphIssue::DuplicateRef { components, .. } => (1, format!("{:012}", components[0])),
        GraphIssue::SelfLoop { location, .. } => (2, location.clone()),
        GraphIssue::Cycle { components } => (3, format!("{:012}", components[0])),
    }
}

thread_local! {
    /// Per-thread marks for [`SbomGraph::ancestors`]: `.0[i] == .1` means component `i` was seen
    /// by the current call.
    static MARKS: std::cell::RefCell<(Vec<u32>, u32)> =
        const { std::cell::RefCell::new((Vec::new(), 0)) };
}

/// Distance marker for components no root reaches.
pub const UNREACHED: u32 = u32::MAX;

/// Result of [`SbomGraph::reach`].
#[derive(Debug, Clone)]
pub struct Reach {
    /// Distance from the nearest root, [`UNREACHED`] when none reaches it.
    pub dist: Vec<u32>,
    /// Predecessor on one shortest path, `usize::MAX` for roots and unreached components.
    pub pred: Vec<usize>,
}

impl Reach {
    /// One shortest path from a root to `node`, root first, `node` last. Empty when unreached.
    pub fn path_to(&self, node: usize) -> Vec<usize> {
        if self.dist[node] == UNREACHED {
            return Vec::new();
        }
        let mut path = vec![node];
        let mut cur = node;
        while self.pred[cur] != usize::MAX {
            cur = self.pred[cur];
            path.push(cur);
        }
        path.reverse();
        path
    }
}

/// The most targets [`SbomGraph::ancestors_of`] takes in one pass over the graph: a word of bits
/// per component (at 1M components, 8 MB while the pass lasts). The caller holds the ancestor
/// sets of a batch at once: 64 sets of half a 100,000-component graph are 25 MB.
pub const ANCESTORS_BATCH: usize = 64;

/// Result of [`SbomGraph::ancestors`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ancestors {
    /// Components that include this one directly.
    pub direct: usize,
    /// Components that include it directly or transitively.
    pub total: usize,
    /// Roots (products) that include it, or itself when it is a root, ascending.
    pub roots: Vec<usize>,
    /// For each of `roots`, its children that include this one (or are it), ascending, each
    /// once: the product's direct dependencies that bring it in.
    pub via: Vec<Vec<usize>>,
    /// Every dependent and the component itself.
    pub members: Members,
}

/// A set of components, sorted by index, sized by its members rather than by the SBOM (4 bytes
/// each: a batch of [`ANCESTORS_BATCH`] sets is held at once). A set found in a batch pass with
/// more members than the SBOM has components over 64 (so that a bit per component costs less
/// than the list) also has those bits: the path searches test membership for each child of each component they pass,
/// and a binary search per child of a product with thousands of them, per finding and per
/// product, was most of a report of 2,000 findings under 2,000 products.
#[derive(Debug, Clone, Default)]
pub struct Members(Vec<u32>, Vec<u64>);

/// The same members, whether or not either set has bits.
impl PartialEq for Members {
    fn eq(&self, other: &Members) -> bool {
        self.0 == other.0
    }
}

impl Eq for Members {}

impl Members {
    /// The set of `sorted` (ascending), with a bit per component of an SBOM of `bits_for` when
    /// given.
    fn new(sorted: Vec<u32>, bits_for: Option<usize>) -> Members {
        let mut bits = vec![0u64; bits_for.map_or(0, |n| n.div_ceil(64))];
        if !bits.is_empty() {
            for &m in &sorted {
                bits[m as usize / 64] |= 1 << (m % 64);
            }
        }
        Members(sorted, bits)
    }

    /// True when component `i` is a member.
    pub fn contains(&self, i: usize) -> bool {
        if self.1.is_empty() {
            self.0.binary_search(&idx(i)).is_ok()
        } else {
            self.1.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
        }
    }

    /// The members in ascending index order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().map(|&i| i as usize)
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bomvet_model::{Component, Format, Location, RelOrigin, Relationship};

    /// A graph of `n` nodes and `edges` random edges (self-loops and parallel edges among them),
    /// their kinds random too.
    fn random_graph(rng: &mut fastrand::Rng, n: usize, edges: usize) -> DiGraph<(), EdgeKind, u32> {
        const KINDS: [EdgeKind; 3] = [EdgeKind::DependsOn, EdgeKind::Contains, EdgeKind::Listed];
        let mut g = DiGraph::<(), EdgeKind, u32>::with_capacity(n, edges);
        for _ in 0..n {
            g.add_node(());
        }
        for _ in 0..if n == 0 { 0 } else { edges } {
            let (a, b) = (rng.usize(0..n), rng.usize(0..n));
            let kind = KINDS[rng.usize(0..KINDS.len())];
            g.add_edge(NodeIndex::new(a), NodeIndex::new(b), kind);
        }
        g
    }

    /// The flat children lists are petgraph's, kinds and order, on random graphs with parallel
    /// edges and self-loops.
    #[test]
    fn flat_children_are_petgraphs() {
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..200 {
            let n = rng.usize(0..30);
            let edges = rng.usize(0..3 * n + 1);
            let g = random_graph(&mut rng, n, edges);
            let kids = Children::of(&g);
            for v in 0..n {
                let (list, kinds) = kids.of_node(v);
                let ours: Vec<(u32, EdgeKind)> =
                    list.iter().copied().zip(kinds.iter().copied()).collect();
                let theirs: Vec<(u32, EdgeKind)> = g
                    .edges_directed(NodeIndex::new(v), Direction::Outgoing)
                    .map(|e| (idx(e.target().index()), *e.weight()))
                    .collect();
                assert_eq!(ours, theirs);
            }
        }
    }

    /// The components `strongly_connected` finds are petgraph's `kosaraju_scc`'s, in reverse
    /// topological order (every edge goes within a component or to one listed before it), on
    /// random graphs from sparse to dense, with self-loops and parallel edges; and a chain of
    /// 200,000 nodes closed into one cycle does not overflow the stack.
    #[test]
    fn strongly_connected_components_are_kosarajus() {
        let mut rng = fastrand::Rng::with_seed(7);
        for round in 0..300 {
            let n = rng.usize(0..40);
            let edges = rng.usize(0..n * (1 + round % 4) + 1);
            let g = random_graph(&mut rng, n, edges);
            let (start, members, of) = strongly_connected(&Children::of(&g));
            assert_eq!(*start.last().unwrap_or(&0) as usize, n);
            let mut ours: Vec<Vec<usize>> = start
                .windows(2)
                .map(|w| {
                    let mut c: Vec<usize> = members[w[0] as usize..w[1] as usize]
                        .iter()
                        .map(|&v| v as usize)
                        .collect();
                    c.sort_unstable();
                    c
                })
                .collect();
            for (k, c) in ours.iter().enumerate() {
                assert!(c.iter().all(|&v| of[v] as usize == k));
            }
            for e in g.edge_references() {
                assert!(
                    of[e.target().index()] <= of[e.source().index()],
                    "round {round}"
                );
            }
            let mut theirs: Vec<Vec<usize>> = petgraph::algo::kosaraju_scc(&g)
                .into_iter()
                .map(|c| {
                    let mut c: Vec<usize> = c.into_iter().map(|v| v.index()).collect();
                    c.sort_unstable();
                    c
                })
                .collect();
            ours.sort();
            theirs.sort();
            assert_eq!(ours, theirs, "round {round}");
        }
        let n = 200_000;
        let mut g = DiGraph::<(), EdgeKind, u32>::with_capacity(n, n);
        for _ in 0..n {
            g.add_node(());
        }
        for i in 0..n {
            g.add_edge(
                NodeIndex::new(i),
                NodeIndex::new((i + 1) % n),
                EdgeKind::DependsOn,
            );
        }
        let (start, members, _) = strongly_connected(&Children::of(&g));
        assert_eq!((start, members.len()), (vec![0, idx(n)], n));
    }

    fn sbom(ids: &[&str], edges: &[(&str, &str)], roots: &[&str]) -> Sbom {
        Sbom {
            source: "t".into(),
            format: Format::CyclonedxJson,
            spec_version: "1.6".into(),
            serial: None,
            name: None,
            external_documents: vec![],
            linked: vec![],
            components: ids
                .iter()
                .map(|i| Component::new((*i).into(), (*i).into(), Location::default()))
                .collect(),
            relationships: edges
                .iter()
                .map(|(a, b)| Relationship {
                    from: (*a).into(),
                    to: (*b).into(),
                    kind: EdgeKind::DependsOn,
                    origin: RelOrigin::Relationship { index: 0 },
                })
                .collect(),
            declared_roots: roots.iter().map(|r| (*r).into()).collect(),
            diagnostics: vec![],
        }
    }

    /// A component is not reached avoiding a set exactly when every path to it from every root
    /// passes the set: a diamond under one root with one side blocked, both sides, the
    /// component itself, the root; and a second root that reaches it around the block.
    #[test]
    fn reached_avoiding_a_set_unless_every_path_passes_it() {
        let ids = ["p", "a", "b", "t", "u"];
        let index = |id: &str| ids.iter().position(|&i| i == id).unwrap_or(usize::MAX);
        let blocked_of =
            |set: &[&str]| -> Vec<bool> { ids.iter().map(|i| set.contains(i)).collect() };
        let diamond = [("p", "a"), ("p", "b"), ("a", "t"), ("b", "t"), ("t", "u")];
        let g = SbomGraph::build(&sbom(&ids, &diamond, &["p"]));
        for (set, t_reached, u_reached) in [
            (&[][..], true, true),
            (&["a"][..], true, true),
            (&["a", "b"][..], false, false),
            (&["t"][..], false, false),
            (&["u"][..], true, false),
            (&["p"][..], false, false),
        ] {
            let reached = g.reachable_avoiding(&blocked_of(set));
            assert_eq!(reached[index("t")], t_reached, "{set:?}");
            assert_eq!(reached[index("u")], u_reached, "{set:?}");
        }
        // A second product that includes `t` directly: `a` and `b` no longer cover every path.
        let ids2 = ["p", "a", "b", "t", "u", "q"];
        let mut edges = diamond.to_vec();
        edges.push(("q", "t"));
        let g = SbomGraph::build(&sbom(&ids2, &edges, &["p", "q"]));
        let blocked: Vec<bool> = ids2.iter().map(|i| ["a", "b"].contains(i)).collect();
        assert!(g.reachable_avoiding(&blocked)[3]);
        let blocked: Vec<bool> = ids2.iter().map(|i| ["a", "b", "q"].contains(i)).collect();
        assert!(!g.reachable_avoiding(&blocked)[3]);
    }

    /// Duplicate edges are those a sort of every edge finds (the way before buckets): each
    /// (source, target, kind) kept at its first place, in short buckets and in hubs.
    #[test]
    fn duplicate_edges_are_those_a_sort_finds() {
        let kinds = [
            EdgeKind::DependsOn,
            EdgeKind::Contains,
            EdgeKind::DevDependency,
        ];
        let mut rng = fastrand::Rng::with_seed(3);
        for (n, len) in [(1, 0), (1, 5), (3, 40), (50, 400), (100, 900), (2, 2000)] {
            let edges: Vec<(u32, u32, EdgeKind)> = (0..len)
                .map(|_| {
                    let f = rng.u32(..n);
                    (f, rng.u32(..10), kinds[rng.usize(..kinds.len())])
                })
                .collect();
            let mut sorted: Vec<(u32, u32, EdgeKind, u32)> = edges
                .iter()
                .enumerate()
                .map(|(i, &(f, t, k))| (f, t, k, idx(i)))
                .collect();
            sorted.sort_unstable();
            let mut expected = vec![true; edges.len()];
            let mut kept = sorted.clone();
            kept.dedup_by_key(|e| (e.0, e.1, e.2));
            for e in kept {
                expected[e.3 as usize] = false;
            }
            let found = duplicate_edges(&edges, n as usize);
            assert_eq!(found, expected, "{n} nodes, {len} edges");
            // Both kinds of bucket are met, with duplicates in them.
            assert!(len < 40 || found.iter().any(|&d| d));
        }
    }

    /// The ancestors of many targets found together, in batches of bits, are those of a search
    /// per target: random graphs with cycles, several roots, unentered cycles and repeated
    /// edges, every component a target (more than one batch, the last one partial), in any
    /// order and repeated.
    #[test]
    fn ancestors_found_together_are_those_of_a_search_each() {
        let mut rng = fastrand::Rng::with_seed(11);
        // Searches that finished and that gave up; roots with several children bringing a target in.
        let mut gave_up = [0usize; 2];
        let mut several = 0;
        for (n, edges, roots) in [
            (1, 0, 1),
            (2, 2, 0),
            (40, 60, 1),
            (300, 600, 3),
            (700, 2000, 0),
        ] {
            let ids: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let pairs: Vec<(&str, &str)> = (0..edges)
                .map(|_| (refs[rng.usize(..n)], refs[rng.usize(..n)]))
                .collect();
            let g = SbomGraph::build(&sbom(&refs, &pairs, &refs[..roots]));
            let mut targets: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut targets);
            targets.extend(targets[..n / 3].to_vec());
            let each: Vec<Ancestors> = targets.iter().map(|&t| g.ancestors(t)).collect();
            // Membership, by bits in the large sets of a batch, by search in the others.
            for (got, want) in g.ancestors_of(&targets).iter().zip(&each) {
                for i in 0..n {
                    assert_eq!(got.members.contains(i), want.members.contains(i), "{i}");
                }
            }
            assert_eq!(
                g.ancestors_of(&targets),
                each,
                "{n} components, {edges} edges"
            );
            assert!(n < 300 || targets.len() > ANCESTORS_BATCH);
            // A search within a budget gives up exactly when there are more dependents.
            let budget = g.ancestors_budget();
            for (&t, a) in targets.iter().zip(&each) {
                let within = g.ancestors_within(t, budget);
                assert_eq!(within.as_ref(), (a.total <= budget).then_some(a), "{t}");
                gave_up[usize::from(within.is_none())] += 1;
            }
            // Each root's children that bring the target in, as a search from the root finds
            // them.
            for (&t, a) in targets.iter().zip(&each) {
                for (&r, via) in a.roots.iter().zip(&a.via) {
                    let mut found = Vec::new();
                    g.sorted_children(r, &mut found);
                    found.retain(|&c| a.members.contains(c));
                    assert_eq!(via, &found, "{t} via {r}");
                    several += usize::from(via.len() > 1);
                }
            }
        }
        assert!(gave_up[0] > 100 && gave_up[1] > 100, "{gave_up:?}");
        assert!(several > 100, "{several}");
    }

    /// The index in shards, filled on several threads, finds each ref's first component and
    /// lists the repeated refs as one table filled in order on one thread does; so does the
    /// one table of a small document.
    #[test]
    fn ref_index_in_shards_is_one_table() {
        let mut rng = fastrand::Rng::with_seed(3);
        for n in [RefIndex::SHARDED_ABOVE - 1, RefIndex::PARALLEL_ABOVE + 1000] {
            index_is_one_table(&mut rng, n);
        }
    }

    fn index_is_one_table(rng: &mut fastrand::Rng, n: usize) {
        // Refs drawn from fewer than there are components: many repeated, some many times.
        let ids: Vec<String> = (0..n).map(|_| format!("r{}", rng.usize(..n / 2))).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let doc = sbom(&refs, &[], &[]);
        let mut first = std::collections::HashMap::new();
        let mut repeated = Vec::new();
        for (i, id) in refs.iter().enumerate() {
            let f = *first.entry(*id).or_insert(i);
            if f != i {
                repeated.push((idx(f), idx(i)));
            }
        }
        assert!(repeated.len() > n / 4, "{}", repeated.len());
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let index = pool.install(|| RefIndex::new(&doc));
            let sharded = n >= RefIndex::SHARDED_ABOVE;
            assert_eq!(
                index.shards.len(),
                if sharded { RefIndex::SHARDS } else { 1 }
            );
            for id in &refs {
                assert_eq!(index.get(id), Some(first[id]), "{id}");
            }
            assert_eq!(index.get("r-absent"), None);
            assert_eq!(index.get(""), None);
            let mut found = index.repeated.clone();
            found.sort_unstable();
            repeated.sort_unstable();
            assert_eq!(found, repeated, "{threads} thread(s)");
        }
    }

    /// Relationships resolved in pieces on several threads give the edges and issues of one
    /// pass, in document order: runs of one source across piece boundaries, self loops and
    /// dangling refs at either end among them.
    #[test]
    fn relationships_resolved_in_pieces_are_one_pass() {
        let mut rng = fastrand::Rng::with_seed(7);
        let ids: Vec<String> = (0..500).map(|i| format!("c{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let index = RefIndex::new(&sbom(&refs, &[], &[]));
        let end = |rng: &mut fastrand::Rng| match rng.u32(..50) {
            0 => "missing".to_owned(),
            _ => format!("c{}", rng.u32(..500)),
        };
        let mut relationships = Vec::new();
        while relationships.len() < 5 * RESOLVE_PIECE + 17 {
            let from = end(&mut rng);
            for k in 0..rng.usize(1..8) {
                relationships.push(Relationship {
                    from: from.as_str().into(),
                    to: end(&mut rng).as_str().into(),
                    kind: EdgeKind::DependsOn,
                    origin: RelOrigin::Relationship {
                        index: idx(relationships.len() + k),
                    },
                });
            }
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let (edges, issues) = pool.install(|| resolve(&index, &relationships));
        assert_eq!((edges, issues), resolve_piece(&index, &relationships));
        let (edges, issues) = resolve_piece(&index, &relationships);
        assert!(edges.len() > 4 * RESOLVE_PIECE);
        let has = |f: fn(&GraphIssue) -> bool| issues.iter().any(f);
        assert!(has(|i| matches!(i, GraphIssue::SelfLoop { .. })));
        assert!(has(|i| matches!(
            i,
            GraphIssue::DanglingRef { from: None, .. }
        )));
        assert!(has(|i| matches!(
            i,
            GraphIssue::DanglingRef { from: Some(_), .. }
        )));
    }

    /// A diamond gives one shortest path and counts the dependent once.
    #[test]
    fn diamond_has_shortest_path_and_unique_dependents() {
        let s = sbom(
            &["app", "a", "b", "leaf"],
            &[("app", "a"), ("app", "b"), ("a", "leaf"), ("b", "leaf")],
            &["app"],
        );
        let g = SbomGraph::build(&s);
        let reach = g.reach();
        assert_eq!(reach.path_to(3), vec![0, 1, 3]);
        let anc = g.ancestors(3);
        assert_eq!((anc.direct, anc.total, anc.roots), (2, 3, vec![0]));
    }

    /// A dangling reference is reported and creates no node.
    #[test]
    fn dangling_ref_is_reported_not_added() {
        let s = sbom(&["app", "a"], &[("app", "a"), ("a", "ghost")], &["app"]);
        let g = SbomGraph::build(&s);
        assert_eq!(g.len(), 2);
        assert!(
            matches!(&g.issues()[0], GraphIssue::DanglingRef { to, .. } if to.as_str() == "ghost")
        );
    }

    /// A cycle that nothing enters still gets a root and a path, and is reported.
    #[test]
    fn unentered_cycle_gets_a_root_and_is_reported() {
        let s = sbom(&["x", "y"], &[("x", "y"), ("y", "x")], &[]);
        let g = SbomGraph::build(&s);
        assert_eq!(g.roots(), &[0]);
        assert_eq!(g.reach().path_to(1), vec![0, 1]);
        assert!(g
            .issues()
            .iter()
            .any(|i| matches!(i, GraphIssue::Cycle { components } if components == &vec![0, 1])));
    }

    /// Components no root reaches are found from the strongly connected components without a
    /// search (`roots_reach_all`), and promoted as a search from the roots finds
    /// them: on random graphs with cycles that nothing enters, no, one or several declared
    /// roots, every component ends up reached, and the roots and `listed` edges are those the
    /// rule gives (the first unreached component in document order attached to the one
    /// declared root, or made a root, and so on).
    #[test]
    fn unreached_components_are_promoted_as_a_search_finds_them() {
        let mut rng = fastrand::Rng::with_seed(11);
        for round in 0..400 {
            let n = rng.usize(1..30);
            let ids: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            let mut edges = Vec::new();
            for _ in 0..rng.usize(0..2 * n) {
                let (a, b) = (rng.usize(0..n), rng.usize(0..n));
                if a != b {
                    edges.push((ids[a].as_str(), ids[b].as_str()));
                }
            }
            let roots: Vec<&str> = (0..rng.usize(0..3))
                .map(|_| ids[rng.usize(0..n)].as_str())
                .collect();
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let g = SbomGraph::build(&sbom(&id_refs, &edges, &roots));
            // The rule, by searches: declared roots, then parentless components (attached or
            // made roots), then each component still unreached in document order.
            let mut declared: Vec<usize> = Vec::new();
            for r in &roots {
                let i = ids.iter().position(|x| x == r).unwrap_or(0);
                if !declared.contains(&i) {
                    declared.push(i);
                }
            }
            let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
            let mut has_parent = vec![false; n];
            for (a, b) in &edges {
                let (a, b) = (
                    a[1..].parse::<usize>().unwrap_or(0),
                    b[1..].parse().unwrap_or(0),
                );
                children[a].push(b);
                has_parent[b] = true;
            }
            let single = declared.len() == 1;
            let mut expected_roots = declared.clone();
            let mut listed = Vec::new();
            for (i, &parent) in has_parent.iter().enumerate() {
                if !declared.contains(&i) && !parent {
                    if single {
                        listed.push(i);
                    } else {
                        expected_roots.push(i);
                    }
                }
            }
            let mut seen = vec![false; n];
            let mut stack: Vec<usize> = expected_roots.clone();
            stack.extend(&listed);
            let mark = |stack: &mut Vec<usize>, seen: &mut Vec<bool>| {
                while let Some(u) = stack.pop() {
                    if !std::mem::replace(&mut seen[u], true) {
                        stack.extend(&children[u]);
                    }
                }
            };
            mark(&mut stack, &mut seen);
            for i in 0..n {
                if !seen[i] {
                    if single {
                        listed.push(i);
                    } else {
                        expected_roots.push(i);
                    }
                    stack.push(i);
                    mark(&mut stack, &mut seen);
                }
            }
            assert_eq!(g.roots(), &expected_roots[..], "round {round}");
            let mut got_listed: Vec<usize> = g.listed_edges().map(|(_, c)| c).collect();
            got_listed.sort_unstable();
            listed.sort_unstable();
            assert_eq!(got_listed, listed, "round {round}");
            let reach = g.reach();
            assert!((0..n).all(|i| reach.dist[i] != UNREACHED), "round {round}");
        }
    }

    /// With one declared root, unlinked components hang under it as `listed`.
    #[test]
    fn orphans_attach_to_single_declared_root() {
        let s = sbom(&["app", "lib"], &[], &["app"]);
        let g = SbomGraph::build(&s);
        assert_eq!(g.roots(), &[0]);
        assert_eq!(
            g.children(0).collect::<Vec<_>>(),
            vec![(1, EdgeKind::Listed)]
        );
    }

    /// A diamond has two paths; a chain of 70 diamonds more than u64 holds (saturated), counted
    /// without enumerating anything.
    #[test]
    fn path_counts_diamonds_and_saturation() {
        let s = sbom(
            &["app", "a", "b", "leaf"],
            &[("app", "a"), ("app", "b"), ("a", "leaf"), ("b", "leaf")],
            &["app"],
        );
        assert_eq!(SbomGraph::build(&s).path_counts(), vec![1, 1, 1, 2]);
        let mut ids = vec!["n0".to_owned()];
        let mut edges = Vec::new();
        for i in 0..70 {
            let (x, y, z) = (format!("n{i}"), format!("l{i}"), format!("r{i}"));
            let next = format!("n{}", i + 1);
            edges.push((x.clone(), y.clone()));
            edges.push((x, z.clone()));
            edges.push((y.clone(), next.clone()));
            edges.push((z.clone(), next.clone()));
            ids.extend([y, z, next]);
        }
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let edge_refs: Vec<(&str, &str)> = edges
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let g = SbomGraph::build(&sbom(&id_refs, &edge_refs, &["n0"]));
        let counts = g.path_counts();
        assert_eq!(
            counts[ids.iter().position(|i| i == "n10").unwrap_or(0)],
            1024
        );
        assert_eq!(
            counts[ids.iter().position(|i| i == "n70").unwrap_or(0)],
            u64::MAX
        );
    }

    /// Paths through a cycle are counted once per path into the cycle.
    #[test]
    fn path_counts_with_cycle() {
        let s = sbom(
            &["app", "x", "y", "leaf"],
            &[("app", "x"), ("x", "y"), ("y", "x"), ("y", "leaf")],
            &["app"],
        );
        assert_eq!(SbomGraph::build(&s).path_counts()[3], 1);
    }

    /// Up to N distinct paths are listed, and the search is bounded.
    #[test]
    fn some_paths_lists_distinct_paths() {
        let s = sbom(
            &["app", "a", "b", "c", "leaf"],
            &[
                ("app", "a"),
                ("app", "b"),
                ("app", "c"),
                ("a", "leaf"),
                ("b", "leaf"),
                ("c", "leaf"),
            ],
            &["app"],
        );
        let g = SbomGraph::build(&s);
        let anc = g.ancestors(4);
        let paths = g.some_paths(0, 4, &anc.members, &anc.via[0], 2, 1000);
        assert_eq!(paths, vec![vec![0, 1, 4], vec![0, 2, 4]]);
        assert_eq!(
            g.some_paths(0, 4, &anc.members, &anc.via[0], 10, 1000)
                .len(),
            3
        );
    }

    /// A root with more children than the target has ancestors: the children within the
    /// ancestors are found from the ancestors' side, with the same paths and order.
    #[test]
    fn paths_from_a_wide_root() {
        let ids: Vec<String> = std::iter::once("app".to_owned())
            .chain((0..10).map(|i| format!("c{i}")))
            .chain(std::iter::once("leaf".to_owned()))
            .collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut edges: Vec<(&str, &str)> = id_refs[1..11].iter().map(|c| ("app", *c)).collect();
        edges.push(("c7", "leaf"));
        edges.push(("c3", "leaf"));
        let g = SbomGraph::build(&sbom(&id_refs, &edges, &["app"]));
        let anc = g.ancestors(11);
        assert_eq!(anc.members.iter().collect::<Vec<_>>(), vec![0, 4, 8, 11]);
        assert_eq!(
            g.shortest_path(0, 11, &anc.members, &anc.via[0]),
            vec![0, 4, 11]
        );
        assert_eq!(
            g.some_paths(0, 11, &anc.members, &anc.via[0], 5, 1000),
            vec![vec![0, 4, 11], vec![0, 8, 11]]
        );
        // And from the children's side, where the set is the larger.
        let all = g.ancestors(11);
        let mut k = Vec::new();
        g.sorted_children_within(0, &all.members, &mut k);
        assert_eq!(k, vec![4, 8]);
        let everything = Members::new((0..12).collect(), None);
        g.sorted_children_within(0, &everything, &mut k);
        assert_eq!(k, (1..11).collect::<Vec<_>>());
    }

    /// Duplicate references are reported with every holder.
    #[test]
    fn duplicate_refs_are_reported() {
        let s = sbom(&["a", "a", "b"], &[], &[]);
        let g = SbomGraph::build(&s);
        assert!(g
            .issues()
            .iter()
            .any(|i| matches!(i, GraphIssue::DuplicateRef { components, .. } if components == &vec![0, 1])));
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;
    use bomvet_model::{
        format_compact, CompactString, Component, Format, Location, RelOrigin, Relationship,
    };

    /// A layered graph with shared sub-dependencies and back edges, from a fixed seed.
    fn layered(seed: u64, n: usize, roots: &[&str]) -> Sbom {
        let mut x = seed;
        let mut next = move |m: usize| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as usize % m.max(1)
        };
        let ids: Vec<CompactString> = (0..n).map(|i| format_compact!("c{i}")).collect();
        let mut relationships = Vec::new();
        let mut edge = |a: usize, b: usize| {
            relationships.push(Relationship {
                from: ComponentRef(ids[a].clone()),
                to: ComponentRef(ids[b].clone()),
                kind: EdgeKind::DependsOn,
                origin: RelOrigin::Relationship { index: 0 },
            })
        };
        for i in 1..n {
            // Two parents among the earlier components, and now and then an edge back up.
            edge(next(i), i);
            edge(next(i), i);
            if next(10) == 0 {
                edge(i, next(i));
            }
        }
        let mut s = Sbom::new("t".into(), Format::CyclonedxJson, "1.6".into());
        s.components = ids
            .iter()
            .map(|id| Component::new(ComponentRef(id.clone()), id.clone(), Location::default()))
            .collect();
        s.relationships = relationships;
        s.declared_roots = roots.iter().map(|r| ComponentRef((*r).into())).collect();
        s
    }

    /// Where one root reaches a component, the path of the breadth-first pass from all roots
    /// is the path the search bounded by its ancestors finds (the audit relies on this to skip
    /// that search), and with several roots each search still gives a shortest path.
    #[test]
    fn reach_path_is_the_bounded_shortest_path() {
        for seed in 1..=20 {
            let s = layered(seed, 300, &["c0"]);
            let g = SbomGraph::build(&s);
            let reach = g.reach();
            for i in 0..g.len() {
                let anc = g.ancestors(i);
                assert_eq!(anc.roots, vec![0], "seed {seed}, node {i}");
                assert_eq!(
                    g.shortest_path(0, i, &anc.members, &anc.via[0]),
                    reach.path_to(i),
                    "seed {seed}, node {i}"
                );
            }
        }
        let s = layered(7, 300, &["c0", "c1", "c2"]);
        let g = SbomGraph::build(&s);
        let reach = g.reach();
        for i in 0..g.len() {
            let anc = g.ancestors(i);
            for (&r, via) in anc.roots.iter().zip(&anc.via) {
                let p = g.shortest_path(r, i, &anc.members, via);
                assert_eq!((p.first(), p.last()), (Some(&r), Some(&i)));
                assert!(p.len() >= reach.path_to(i).len());
            }
            if anc.roots.len() == 1 {
                assert_eq!(
                    g.shortest_path(anc.roots[0], i, &anc.members, &anc.via[0]),
                    reach.path_to(i)
                );
            }
        }
    }
}
