//! The affected part of the graph, rebuilt from the paths the findings carry (the report crate
//! never sees the SBOM graph), and its DOT and Mermaid forms.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use bomvet_audit::{is_left_out, Code, Report, Severity};

/// Nodes and edges on the paths from the products to the restricted components.
#[derive(Debug, Default)]
pub struct Subgraph {
    /// Refs in first-seen order, with a display name and the worst severity when restricted.
    pub nodes: Vec<Node>,
    /// Edges as node indices, deduplicated, sorted.
    pub edges: Vec<(usize, usize)>,
}

/// One node of the affected subgraph.
#[derive(Debug, Clone)]
pub struct Node {
    /// The ref.
    pub id: String,
    /// Name for people.
    pub label: String,
    /// Worst severity of a restricted finding on this component.
    pub severity: Option<Severity>,
    /// Distance from a product within the subgraph.
    pub layer: usize,
    /// True for products.
    pub root: bool,
}

/// At most this many nodes are drawn; beyond it only shortest paths are kept.
pub(crate) const MAX_NODES: usize = 80;

impl Subgraph {
    /// Builds the subgraph from every restricted finding's paths (all listed paths when the
    /// result stays under 80 nodes, else shortest paths only).
    pub fn of(report: &Report) -> Subgraph {
        let full = Subgraph::build(report, false);
        if full.nodes.len() <= MAX_NODES {
            full
        } else {
            Subgraph::build(report, true)
        }
    }

    fn build(report: &Report, shortest_only: bool) -> Subgraph {
        let mut g = Subgraph::default();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let restricted = report
            .findings
            .iter()
            .filter(|f| matches!(f.code, Code::RestrictedOrigin | Code::RestrictedCountry));
        for f in restricted.clone() {
            for (r, n) in f.path.iter().zip(&f.path_names) {
                names.entry(r.clone()).or_insert_with(|| n.clone());
            }
        }
        let mut edges = std::collections::BTreeSet::new();
        for f in restricted {
            let mut paths: Vec<&Vec<String>> = Vec::new();
            for rp in &f.via_roots {
                if shortest_only || rp.paths.is_empty() {
                    paths.push(&rp.shortest);
                } else {
                    paths.extend(rp.paths.iter());
                }
            }
            if paths.is_empty() && !f.path.is_empty() {
                paths.push(&f.path);
            }
            for p in paths {
                let mut prev: Option<usize> = None;
                for (depth, r) in p.iter().enumerate() {
                    // The entry for the refs left out of a long path stands for those of this
                    // path only: one node per place it follows.
                    let key = match prev {
                        Some(p) if is_left_out(r) => format!("{r} after {}", g.nodes[p].id),
                        _ => r.clone(),
                    };
                    let i = *index.entry(key.clone()).or_insert_with(|| {
                        g.nodes.push(Node {
                            id: key,
                            label: names.get(r).cloned().unwrap_or_else(|| r.clone()),
                            severity: None,
                            layer: depth,
                            root: depth == 0,
                        });
                        g.nodes.len() - 1
                    });
                    g.nodes[i].layer = g.nodes[i].layer.min(depth);
                    if depth == 0 {
                        g.nodes[i].root = true;
                    }
                    if let Some(p) = prev {
                        edges.insert((p, i));
                    }
                    prev = Some(i);
                }
            }
            if let Some(&i) = index.get(&f.component.id) {
                let s = &mut g.nodes[i].severity;
                *s = Some(s.map_or(f.severity, |old| old.max(f.severity)));
            }
        }
        g.edges = edges.into_iter().collect();
        g
    }

    /// Graphviz DOT.
    pub fn dot(&self) -> String {
        let q = |s: &str| {
            let mut o = String::with_capacity(s.len() + 2);
            o.push('"');
            for c in s.chars() {
                match c {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    c if crate::dangerous(c) => {
                        let _ = write!(o, "\\\\u{{{:x}}}", c as u32);
                    }
                    c => o.push(c),
                }
            }
            o.push('"');
            o
        };
        let mut o = String::from(
            "digraph bomvet {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
        );
        for n in &self.nodes {
            let style = match n.severity {
                Some(Severity::Block) => ", color=\"#b00020\", penwidth=2",
                Some(Severity::Review | Severity::NeedsContext) => {
                    ", color=\"#b26a00\", penwidth=2"
                }
                Some(Severity::Info) => ", color=\"#555555\"",
                None if n.root => ", style=bold",
                None => "",
            };
            let _ = writeln!(o, "  {} [label={}{style}];", q(&n.id), q(&n.label));
        }
        for (a, b) in &self.edges {
            let _ = writeln!(
                o,
                "  {} -> {};",
                q(&self.nodes[*a].id),
                q(&self.nodes[*b].id)
            );
        }
        o.push_str("}\n");
        o
    }

    /// Mermaid flowchart (node ids are generated; labels are entity-escaped).
    pub fn mermaid(&self) -> String {
        let label = |s: &str| {
            let mut o = String::new();
            for c in s.chars() {
                match c {
                    '"' => o.push_str("#quot;"),
                    '<' => o.push_str("#lt;"),
                    '>' => o.push_str("#gt;"),
                    '&' => o.push_str("#amp;"),
                    '#' => o.push_str("#35;"),
                    '`' => o.push_str("#96;"),
                    c if crate::dangerous(c) => o.push(' '),
                    c => o.push(c),
                }
            }
            o
        };
        let mut o = String::from("flowchart LR\n");
        for (i, n) in self.nodes.iter().enumerate() {
            let _ = writeln!(o, "  n{i}[\"{}\"]", label(&n.label));
        }
        for (a, b) in &self.edges {
            let _ = writeln!(o, "  n{a} --> n{b}");
        }
        let mut classes = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            match n.severity {
                Some(Severity::Block) => classes.push(format!("  class n{i} block")),
                Some(Severity::Review | Severity::NeedsContext) => {
                    classes.push(format!("  class n{i} review"))
                }
                _ => {}
            }
        }
        if !classes.is_empty() {
            o.push_str("  classDef block stroke:#b00020,stroke-width:3px\n");
            o.push_str("  classDef review stroke:#b26a00,stroke-width:3px\n");
            for c in classes {
                o.push_str(&c);
                o.push('\n');
            }
        }
        o
    }
}
