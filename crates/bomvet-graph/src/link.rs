//! Several SBOMs, one graph: a product's SBOM and its suppliers' SBOMs given in the same run are
//! joined, so that a restricted component in a supplier's SBOM is reported with its path from
//! the product.
//!
//! A document links to another through:
//! - a CycloneDX BOM-Link (`urn:cdx:serial/version#bom-ref`) used as a reference in
//!   `dependencies` ([`LinkVia::BomLink`]);
//! - a CycloneDX external reference of type `bom` whose URL is a BOM-Link, the other document's
//!   serial number, or ends in the other document's file name when only one input has that name
//!   ([`LinkVia::ExternalBom`]);
//! - an SPDX relationship to `DocumentRef-X:SPDXRef-Y`, where `DocumentRef-X` is an external
//!   document reference naming the other document's namespace ([`LinkVia::DocumentRef`]);
//! - a component whose package URL (type, namespace, name and version) is the package URL of
//!   the other document's declared root ([`LinkVia::SamePurl`]). A document's own roots never
//!   link this way, so two SBOMs of the same product (one from syft, one from trivy) stay apart.
//!
//! Decisions (see also `docs/decisions.md`):
//! - Planning needs only [`DocKeys`], a few strings and one hash per package URL of each
//!   document, so a portfolio of thousands of SBOMs is planned without holding their models.
//! - A document that another one links to is *joined* into it and not audited on its own: its
//!   components are audited as part of the product, with paths from the product's root. The
//!   documents nobody links to are the products; in a cycle of documents that link to each
//!   other, the first in input order is the product.
//! - A joined document's references get the prefix `<its file>#`, so that equal references in
//!   two documents never collide; findings show the reference as written and name the file.
//! - The implicit `listed` edges of every document (see the crate docs) are made explicit
//!   before joining, so a flat supplier SBOM is attached to its own root, not the product's.
//!   Parts of a joined document that no link reaches (a BOM-Link names one of its components,
//!   not its root) stay roots of their own: reported, never lost.

use std::collections::hash_map::DefaultHasher;
use std::collections::VecDeque;
use std::hash::{Hash as _, Hasher as _};

use bomvet_model::{
    format_compact, ComponentRef, EdgeKind, LinkVia, LinkedDocument, RelOrigin, Relationship, Sbom,
};
use foldhash::{HashMap, HashMapExt, HashSet};

use crate::SbomGraph;

/// What [`plan`] needs to know of one document, kept after its model is dropped.
#[derive(Debug, Clone, Default)]
pub struct DocKeys {
    /// CycloneDX serial number (`urn:uuid:...`, lowercase) or SPDX namespace.
    serial: Option<String>,
    /// The file name (last path segment) it was read from.
    file_name: String,
    /// Package URL identities of its declared roots.
    root_purls: Vec<u64>,
    /// Package URL identities of every other component, sorted.
    purls: Vec<u64>,
    /// Serial numbers, namespaces and file names it names as other documents.
    wants: Vec<String>,
}

impl DocKeys {
    /// The keys of `sbom`.
    pub fn of(sbom: &Sbom) -> DocKeys {
        let roots: HashSet<&str> = sbom.declared_roots.iter().map(|r| r.as_str()).collect();
        let mut root_purls = Vec::new();
        let mut purls = Vec::new();
        let mut wants = Vec::new();
        for c in &sbom.components {
            if let Some(key) = c.purl.as_ref().and_then(|p| purl_key(&p.value)) {
                let h = hash(&key);
                if roots.contains(c.id.as_str()) {
                    root_purls.push(h);
                } else {
                    purls.push(h);
                }
            }
            for r in &c.external_refs {
                if r.kind.eq_ignore_ascii_case("bom") {
                    if let Some(t) = bom_target(&r.url) {
                        wants.push(t.doc);
                    }
                }
            }
        }
        // Only the external documents a structural relationship uses: an SPDX document that
        // names another only for `GENERATED_FROM` or `AMENDS` does not contain it.
        let mut used_doc_refs: HashSet<&str> = HashSet::default();
        for r in &sbom.relationships {
            for end in [&r.from, &r.to] {
                if let Some(t) = bom_link(end.as_str()) {
                    wants.push(t.doc);
                } else if let Some((doc_id, _)) = end.as_str().split_once(':') {
                    used_doc_refs.insert(doc_id);
                }
            }
        }
        wants.extend(
            sbom.external_documents
                .iter()
                .filter(|d| used_doc_refs.contains(d.id.as_str()))
                .map(|d| d.namespace.clone()),
        );
        purls.sort_unstable();
        purls.dedup();
        wants.sort();
        wants.dedup();
        DocKeys {
            serial: sbom.serial.as_deref().map(normalise_serial),
            file_name: file_name(&sbom.source).to_owned(),
            root_purls,
            purls,
            wants,
        }
    }
}

/// Which documents are joined into which.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkPlan {
    /// Each product that links to other documents: its index and the indices of the documents
    /// joined into it, in breadth-first order of the links.
    pub products: Vec<(usize, Vec<usize>)>,
    /// For each document, the product it is joined into (the first, when several link to it).
    pub joined_into: Vec<Option<usize>>,
}

/// Decides, from the keys of every document of a run, which are joined into which. Linear in
/// the keys (one hash lookup per package URL and per named document).
pub fn plan(docs: &[DocKeys]) -> LinkPlan {
    let n = docs.len();
    let mut by_serial: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_file: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_root_purl: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        if let Some(s) = &d.serial {
            by_serial.entry(s.as_str()).or_default().push(i);
        }
        if !d.file_name.is_empty() {
            by_file.entry(d.file_name.as_str()).or_default().push(i);
        }
        for &p in &d.root_purls {
            by_root_purl.entry(p).or_default().push(i);
        }
    }
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for (i, d) in docs.iter().enumerate() {
        let mut targets: Vec<usize> = Vec::new();
        for w in &d.wants {
            let key = normalise_serial(w);
            // A file name names a document only when one input has it: a portfolio holds many
            // `sbom.json`s.
            let hits = by_serial
                .get(key.as_str())
                .or_else(|| by_file.get(file_name(w)).filter(|v| v.len() == 1));
            targets.extend(hits.into_iter().flatten());
        }
        for p in &d.purls {
            targets.extend(by_root_purl.get(p).into_iter().flatten());
        }
        targets.sort_unstable();
        targets.dedup();
        targets.retain(|&t| t != i);
        for &t in &targets {
            indegree[t] += 1;
        }
        out[i] = targets;
    }
    let mut joined_into = vec![None; n];
    let mut visited = vec![false; n];
    let mut products = Vec::new();
    // Products first: documents no other document links to; then, for cycles of documents,
    // the first one not yet reached.
    let order = (0..n)
        .filter(|&i| indegree[i] == 0)
        .chain(0..n)
        .collect::<Vec<_>>();
    for top in order {
        if visited[top] {
            continue;
        }
        visited[top] = true;
        let mut members = Vec::new();
        let mut queue = VecDeque::from([top]);
        let mut seen = HashSet::default();
        seen.insert(top);
        while let Some(u) = queue.pop_front() {
            for &v in &out[u] {
                if seen.insert(v) {
                    members.push(v);
                    visited[v] = true;
                    joined_into[v].get_or_insert(top);
                    queue.push_back(v);
                }
            }
        }
        if !members.is_empty() {
            products.push((top, members));
        }
    }
    LinkPlan {
        products,
        joined_into,
    }
}

/// Joins `docs[1..]` into `docs[0]` (the product), resolving every link between them: one
/// document whose graph holds all of them. See the module docs for how links are found.
pub fn join(mut docs: Vec<Sbom>) -> Sbom {
    if docs.len() < 2 {
        return docs.pop().unwrap_or_else(|| {
            Sbom::new(
                String::new(),
                bomvet_model::Format::CyclonedxJson,
                "".into(),
            )
        });
    }
    let prefixes: Vec<String> = docs
        .iter()
        .enumerate()
        .map(|(k, d)| {
            if k == 0 {
                String::new()
            } else {
                format!("{}#", d.source)
            }
        })
        .collect();
    // Each document's own graph: its roots and its implicit `listed` edges.
    let graphs: Vec<SbomGraph> = docs.iter().map(SbomGraph::build).collect();
    let roots: Vec<Vec<String>> = docs
        .iter()
        .zip(&graphs)
        .map(|(d, g)| {
            g.roots()
                .iter()
                .map(|&r| d.components[r].id.0.to_string())
                .collect()
        })
        .collect();
    // Lookups by serial / namespace / file name, and by root package URL.
    let mut by_serial: HashMap<String, usize> = HashMap::new();
    let mut by_file: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_root_purl: HashMap<PurlKey, Vec<(usize, String)>> = HashMap::new();
    for (k, d) in docs.iter().enumerate() {
        if let Some(s) = &d.serial {
            by_serial.entry(normalise_serial(s)).or_insert(k);
        }
        by_file
            .entry(file_name(&d.source).to_owned())
            .or_default()
            .push(k);
        for r in &d.declared_roots {
            if let Some(key) = d
                .components
                .iter()
                .find(|c| &c.id == r)
                .and_then(|c| c.purl.as_ref())
                .and_then(|p| purl_key(&p.value))
            {
                by_root_purl
                    .entry(key)
                    .or_default()
                    .push((k, r.0.to_string()));
            }
        }
    }
    let find_doc = |name: &str| -> Option<usize> {
        by_serial.get(&normalise_serial(name)).copied().or_else(|| {
            by_file
                .get(file_name(name))
                .filter(|v| v.len() == 1)
                .map(|v| v[0])
        })
    };

    let mut merged = Sbom::new(
        docs[0].source.clone(),
        docs[0].format,
        docs[0].spec_version.clone(),
    );
    merged.serial = docs[0].serial.clone();
    merged.name = docs[0].name.clone();
    merged.external_documents = docs[0].external_documents.clone();
    let mut links: Vec<Relationship> = Vec::new();
    let mut via: Vec<Vec<(String, LinkVia)>> = vec![Vec::new(); docs.len()];
    let ctx = Ctx {
        roots: &roots,
        prefixes: &prefixes,
    };
    let mut firsts = Vec::with_capacity(docs.len());
    for (k, d) in docs.iter_mut().enumerate() {
        let prefix = &prefixes[k];
        let doc_refs: HashMap<&str, usize> = d
            .external_documents
            .iter()
            .filter_map(|e| find_doc(&e.namespace).map(|t| (e.id.as_str(), t)))
            .collect();
        let roots_here: HashSet<&str> = d.declared_roots.iter().map(|r| r.as_str()).collect();
        // Components: cross-document links written on components.
        for c in &d.components {
            let from = format!("{prefix}{}", c.id);
            for r in &c.external_refs {
                if !r.kind.eq_ignore_ascii_case("bom") {
                    continue;
                }
                let Some(t) = bom_target(&r.url) else {
                    continue;
                };
                if let Some(to_doc) = find_doc(&t.doc).filter(|&t| t != k) {
                    ctx.link(
                        &mut links,
                        &mut via,
                        from.clone(),
                        to_doc,
                        t.component.as_deref(),
                        EdgeKind::Linked,
                        RelOrigin::Link(LinkVia::ExternalBom),
                        LinkVia::ExternalBom,
                    );
                }
            }
            if roots_here.contains(c.id.as_str()) {
                continue;
            }
            if let Some(hits) = c
                .purl
                .as_ref()
                .and_then(|p| purl_key(&p.value))
                .and_then(|key| by_root_purl.get(&key))
            {
                for (to_doc, root) in hits.iter().filter(|(t, _)| *t != k) {
                    ctx.link(
                        &mut links,
                        &mut via,
                        from.clone(),
                        *to_doc,
                        Some(root),
                        EdgeKind::Linked,
                        RelOrigin::Link(LinkVia::SamePurl),
                        LinkVia::SamePurl,
                    );
                }
            }
        }
        // Relationships: BOM-Links and `DocumentRef-X:` references point into another document.
        let resolve = |end: &str| -> Option<(usize, Option<String>, LinkVia)> {
            if let Some(t) = bom_link(end) {
                return find_doc(&t.doc).map(|d| (d, t.component, LinkVia::BomLink));
            }
            let (doc_id, element) = end.split_once(':')?;
            let &to_doc = doc_refs.get(doc_id)?;
            // `DocumentRef-X:SPDXRef-DOCUMENT` is the document itself: its roots.
            let element = (element != "SPDXRef-DOCUMENT").then(|| element.to_owned());
            Some((to_doc, element, LinkVia::DocumentRef))
        };
        for r in std::mem::take(&mut d.relationships) {
            let from = resolve(r.from.as_str());
            let to = resolve(r.to.as_str());
            if from.is_none() && to.is_none() {
                merged.relationships.push(Relationship {
                    from: ComponentRef(format_compact!("{prefix}{}", r.from)),
                    to: ComponentRef(format_compact!("{prefix}{}", r.to)),
                    ..r
                });
                continue;
            }
            let refs = |end: &ComponentRef, resolved: &Option<(usize, Option<String>, LinkVia)>| {
                match resolved {
                    None => vec![format!("{prefix}{end}")],
                    Some((doc, Some(c), _)) => vec![format!("{}{c}", prefixes[*doc])],
                    Some((doc, None, _)) => roots[*doc]
                        .iter()
                        .map(|c| format!("{}{c}", prefixes[*doc]))
                        .collect(),
                }
            };
            let from_refs = refs(&r.from, &from);
            let to_refs = refs(&r.to, &to);
            // The link is noted on the other document, whichever end it is.
            if let (Some((to_doc, _, how)), Some(f)) = (&to, from_refs.first()) {
                note_via(&mut via[*to_doc], f, *how);
            }
            if let (Some((from_doc, _, how)), None, Some(t)) = (&from, &to, to_refs.first()) {
                note_via(&mut via[*from_doc], t, *how);
            }
            for f in &from_refs {
                for t in &to_refs {
                    links.push(Relationship {
                        from: ComponentRef(f.as_str().into()),
                        to: ComponentRef(t.as_str().into()),
                        kind: r.kind,
                        origin: r.origin,
                    });
                }
            }
        }
        // The document's implicit `listed` edges, made explicit.
        for (a, b) in graphs[k].listed_edges() {
            merged.relationships.push(Relationship {
                from: ComponentRef(format_compact!("{prefix}{}", d.components[a].id)),
                to: ComponentRef(format_compact!("{prefix}{}", d.components[b].id)),
                kind: EdgeKind::Listed,
                origin: RelOrigin::Listed,
            });
        }
        firsts.push(merged.components.len());
        for mut c in std::mem::take(&mut d.components) {
            if k > 0 {
                c.id = ComponentRef(format_compact!("{prefix}{}", c.id));
            }
            merged.components.push(c);
        }
        // A joined document's own diagnostics stay with it (the report lists it as an input).
        if k == 0 {
            merged.diagnostics = std::mem::take(&mut d.diagnostics);
        }
    }
    // Roots: the product's, then every part of a joined document that no link reaches.
    let linked_to: HashSet<&str> = links.iter().map(|r| r.to.as_str()).collect();
    let mut declared: Vec<ComponentRef> = roots[0]
        .iter()
        .map(|r| ComponentRef(r.as_str().into()))
        .collect();
    for (k, rs) in roots.iter().enumerate().skip(1) {
        for r in rs {
            let id = format_compact!("{}{r}", prefixes[k]);
            if !linked_to.contains(id.as_str()) {
                declared.push(ComponentRef(id));
            }
        }
    }
    merged.relationships.extend(links);
    merged.declared_roots = declared;
    for (k, d) in docs.into_iter().enumerate().skip(1) {
        let first = firsts[k];
        let count = firsts
            .get(k + 1)
            .copied()
            .unwrap_or(merged.components.len())
            - first;
        merged.linked.push(LinkedDocument {
            source: d.source,
            format: d.format,
            serial: d.serial,
            name: d.name,
            first,
            components: count,
            prefix: prefixes[k].clone(),
            via: std::mem::take(&mut via[k]),
        });
    }
    merged
}

/// What [`join`] knows of every document while it links them.
struct Ctx<'a> {
    /// Each document's roots (its own graph's), as written.
    roots: &'a [Vec<String>],
    /// Each document's reference prefix.
    prefixes: &'a [String],
}

impl Ctx<'_> {
    /// Edges from `from` to a component of `to_doc`, or to its roots when `to` is `None`.
    #[allow(clippy::too_many_arguments)]
    fn link(
        &self,
        links: &mut Vec<Relationship>,
        via: &mut [Vec<(String, LinkVia)>],
        from: String,
        to_doc: usize,
        to: Option<&str>,
        kind: EdgeKind,
        origin: RelOrigin,
        how: LinkVia,
    ) {
        let targets: Vec<&str> = match to {
            Some(t) => vec![t],
            None => self.roots[to_doc].iter().map(String::as_str).collect(),
        };
        for t in targets {
            links.push(Relationship {
                from: ComponentRef(from.as_str().into()),
                to: ComponentRef(format_compact!("{}{t}", self.prefixes[to_doc])),
                kind,
                origin,
            });
        }
        note_via(&mut via[to_doc], &from, how);
    }
}

fn note_via(via: &mut Vec<(String, LinkVia)>, from: &str, how: LinkVia) {
    if !via.iter().any(|(f, h)| f == from && *h == how) {
        via.push((from.to_owned(), how));
    }
}

/// A document named by a link, and optionally one of its components.
struct Target {
    doc: String,
    component: Option<String>,
}

/// A CycloneDX BOM-Link: `urn:cdx:<serial-uuid>/<version>[#<bom-ref, percent-encoded>]`.
fn bom_link(s: &str) -> Option<Target> {
    let rest = strip_prefix_ci(s, "urn:cdx:")?;
    let (doc, fragment) = match rest.split_once('#') {
        Some((d, f)) => (d, Some(f)),
        None => (rest, None),
    };
    let uuid = doc.split('/').next().filter(|u| !u.is_empty())?;
    Some(Target {
        doc: format!("urn:uuid:{}", uuid.to_ascii_lowercase()),
        component: fragment.filter(|f| !f.is_empty()).map(|f| {
            percent_encoding::percent_decode_str(f)
                .decode_utf8_lossy()
                .into_owned()
        }),
    })
}

/// The document an external reference of type `bom` names: a BOM-Link, a serial number, or a
/// URL or path whose last segment is a file name.
fn bom_target(url: &str) -> Option<Target> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    bom_link(url).or_else(|| {
        Some(Target {
            doc: url.to_owned(),
            component: None,
        })
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Serial numbers compare without case (`urn:uuid:` and hex digits); namespaces and names as
/// written.
fn normalise_serial(s: &str) -> String {
    let s = s.trim();
    if strip_prefix_ci(s, "urn:uuid:").is_some() {
        s.to_ascii_lowercase()
    } else {
        s.to_owned()
    }
}

/// The last path segment of a path or URL, without query or fragment.
fn file_name(s: &str) -> &str {
    let s = s.split(['?', '#']).next().unwrap_or(s);
    s.rsplit(['/', '\\']).next().unwrap_or(s)
}

/// The identity of a package URL: type, namespace, name, version (qualifiers and subpath left
/// out: they say where a package came from, not which package it is).
type PurlKey = (String, Option<String>, String, Option<String>);

fn purl_key(purl: &str) -> Option<PurlKey> {
    let p: packageurl::PackageUrl<'_> = purl.trim().parse().ok()?;
    Some((
        p.ty().to_ascii_lowercase(),
        p.namespace().map(str::to_owned),
        p.name().to_owned(),
        p.version().map(str::to_owned),
    ))
}

fn hash(key: &PurlKey) -> u64 {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bomvet_model::{Component, Format, Location, Purl};

    fn doc(source: &str, serial: Option<&str>, ids: &[(&str, Option<&str>)]) -> Sbom {
        let mut s = Sbom::new(source.into(), Format::CyclonedxJson, "1.6".into());
        s.serial = serial.map(str::to_owned);
        for (id, purl) in ids {
            let mut c = Component::new((*id).into(), (*id).into(), Location::default());
            c.purl = purl.map(|p| Purl {
                value: p.into(),
                field: bomvet_model::Field::new("purl"),
            });
            s.components.push(c);
        }
        s.declared_roots = vec![ids[0].0.into()];
        s
    }

    /// Gives component `i` an external reference of type `bom` to `url`.
    fn bom_reference(s: &mut Sbom, i: usize, url: &str) {
        s.components[i]
            .external_refs
            .push(bomvet_model::ExternalRef {
                kind: "bom".into(),
                url: url.into(),
                field: bomvet_model::Field::at("externalReferences", 0).sub("url"),
            });
    }

    fn dep(s: &mut Sbom, a: &str, b: &str) {
        s.relationships.push(Relationship {
            from: a.into(),
            to: b.into(),
            kind: EdgeKind::DependsOn,
            origin: RelOrigin::Relationship { index: 0 },
        });
    }

    /// A BOM-Link in `dependsOn` joins the supplier's document under the product's component,
    /// and the supplier's flat list hangs from the supplier's root, not the product's.
    #[test]
    fn bom_link_joins_with_paths_through_the_link() {
        let mut product = doc(
            "p.json",
            Some("urn:uuid:AAAA"),
            &[("app", None), ("suite", None)],
        );
        dep(&mut product, "app", "suite");
        dep(&mut product, "suite", "urn:cdx:bbbb/1#sdk%20root");
        let mut supplier = doc(
            "vendor/s.json",
            Some("urn:uuid:BBBB"),
            &[("sdk root", None), ("engine", None), ("orphan", None)],
        );
        dep(&mut supplier, "sdk root", "engine");
        let keys = [DocKeys::of(&product), DocKeys::of(&supplier)];
        let p = plan(&keys);
        assert_eq!(p.products, vec![(0, vec![1])]);
        assert_eq!(p.joined_into, vec![None, Some(0)]);

        let merged = join(vec![product, supplier]);
        assert_eq!(merged.components.len(), 5);
        assert_eq!(merged.source_of(3), "vendor/s.json");
        assert_eq!(merged.ref_as_written(3), "engine");
        let g = SbomGraph::build(&merged);
        assert!(g.issues().is_empty(), "{:?}", g.issues());
        assert_eq!(g.roots(), &[0]);
        // app -> suite -> sdk root -> engine
        assert_eq!(g.reach().path_to(3), vec![0, 1, 2, 3]);
        // The orphan is listed under the supplier's root.
        assert_eq!(g.reach().path_to(4), vec![0, 1, 2, 4]);
        assert_eq!(
            merged.linked[0].via,
            vec![("suite".into(), LinkVia::BomLink)]
        );
    }

    /// The same purl links a component to the document whose root it is; two documents with
    /// the same root purl do not link to each other.
    #[test]
    fn same_purl_links_only_non_roots() {
        let product = doc(
            "p.json",
            None,
            &[
                ("app", None),
                ("lib", Some("pkg:npm/%40acme/lib@1.0?arch=x")),
            ],
        );
        let supplier = doc("s.json", None, &[("root", Some("pkg:npm/@acme/lib@1.0"))]);
        let twin = doc("t.json", None, &[("root", Some("pkg:npm/@acme/lib@1.0"))]);
        let keys = [
            DocKeys::of(&product),
            DocKeys::of(&supplier),
            DocKeys::of(&twin),
        ];
        let p = plan(&keys);
        assert_eq!(p.products, vec![(0, vec![1, 2])]);
        let merged = join(vec![product, supplier, twin]);
        let g = SbomGraph::build(&merged);
        assert_eq!(g.roots(), &[0]);
        assert_eq!(g.reach().path_to(2), vec![0, 1, 2]);
        assert_eq!(g.reach().path_to(3), vec![0, 1, 3]);

        // Two SBOMs of one product, nothing else: no link.
        let a = doc("a.json", None, &[("root", Some("pkg:npm/x@1"))]);
        let b = doc("b.json", None, &[("root", Some("pkg:npm/x@1"))]);
        assert!(plan(&[DocKeys::of(&a), DocKeys::of(&b)])
            .products
            .is_empty());
    }

    /// Documents that link to each other in a cycle: the first is the product, every component
    /// is reached once, and the plan terminates.
    #[test]
    fn cycle_of_documents() {
        let mut a = doc("a.json", Some("urn:uuid:a"), &[("ra", None)]);
        dep(&mut a, "ra", "urn:cdx:b/1#rb");
        let mut b = doc("b.json", Some("urn:uuid:b"), &[("rb", None)]);
        dep(&mut b, "rb", "urn:cdx:a/1#ra");
        let p = plan(&[DocKeys::of(&a), DocKeys::of(&b)]);
        assert_eq!(p.products, vec![(0, vec![1])]);
        let merged = join(vec![a, b]);
        let g = SbomGraph::build(&merged);
        assert_eq!(g.roots(), &[0]);
        assert_eq!(g.reach().path_to(1), vec![0, 1]);
    }

    /// An SPDX `DocumentRef-X:SPDXRef-Y` relationship resolves through the external document
    /// reference's namespace; an unknown one stays dangling (reported, not invented).
    #[test]
    fn spdx_document_ref() {
        let mut a = doc(
            "a.spdx.json",
            Some("https://example.invalid/a"),
            &[("SPDXRef-A", None)],
        );
        a.external_documents.push(bomvet_model::ExternalDocument {
            id: "DocumentRef-s".into(),
            namespace: "https://example.invalid/s".into(),
        });
        dep(&mut a, "SPDXRef-A", "DocumentRef-s:SPDXRef-S");
        dep(&mut a, "SPDXRef-A", "DocumentRef-gone:SPDXRef-X");
        let s = doc(
            "s.spdx.json",
            Some("https://example.invalid/s"),
            &[("SPDXRef-S", None)],
        );
        let p = plan(&[DocKeys::of(&a), DocKeys::of(&s)]);
        assert_eq!(p.products, vec![(0, vec![1])]);
        let merged = join(vec![a, s]);
        let g = SbomGraph::build(&merged);
        assert_eq!(g.reach().path_to(1), vec![0, 1]);
        assert!(matches!(
            g.issues(),
            [crate::GraphIssue::DanglingRef { to, .. }] if to.as_str() == "DocumentRef-gone:SPDXRef-X"
        ));
    }

    /// A file name that several inputs share names none of them.
    #[test]
    fn ambiguous_file_name_does_not_join() {
        let mut a = doc("a.json", None, &[("app", None)]);
        bom_reference(&mut a, 0, "https://vendor.example.invalid/sbom.json");
        let b = doc("x/sbom.json", None, &[("b", None)]);
        let c = doc("y/sbom.json", None, &[("c", None)]);
        assert!(plan(&[DocKeys::of(&a), DocKeys::of(&b), DocKeys::of(&c)])
            .products
            .is_empty());
        assert_eq!(
            plan(&[DocKeys::of(&a), DocKeys::of(&b)]).products,
            vec![(0, vec![1])]
        );
    }

    /// An external reference of type `bom` names the other document by file name.
    #[test]
    fn external_bom_reference_by_file_name() {
        let mut a = doc("a.json", None, &[("app", None), ("camera", None)]);
        dep(&mut a, "app", "camera");
        bom_reference(
            &mut a,
            1,
            "https://vendor.example.invalid/sboms/cam-fw.cdx.json",
        );
        let b = doc("dir/cam-fw.cdx.json", None, &[("fw", None), ("lib", None)]);
        let p = plan(&[DocKeys::of(&a), DocKeys::of(&b)]);
        assert_eq!(p.products, vec![(0, vec![1])]);
        let merged = join(vec![a, b]);
        let g = SbomGraph::build(&merged);
        assert_eq!(g.reach().path_to(3), vec![0, 1, 2, 3]);
        assert_eq!(
            merged.linked[0].via,
            vec![("camera".into(), LinkVia::ExternalBom)]
        );
    }
}
