//! Property tests (proptest): graph invariants on random graphs, idempotent name normalisation,
//! and the same model read back from CycloneDX JSON and SPDX JSON.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::Path;

use bomvet_audit::{AuditOptions, Auditor, Code};
use bomvet_model::CompactString;
use bomvet_policy::Policy;
use proptest::prelude::*;
use serde_json::json;

/// A random graph: `n` components below a root, edges `(from, to)` between them (any direction:
/// cycles happen), and which components are restricted.
fn graph(dag_only: bool) -> impl Strategy<Value = (usize, Vec<(usize, usize)>, Vec<bool>)> {
    (2usize..14).prop_flat_map(move |n| {
        let edges = prop::collection::vec((0..n, 0..n), 0..(n * 3)).prop_map(move |es| {
            es.into_iter()
                .filter(|(a, b)| a != b && (!dag_only || a < b))
                .collect::<Vec<_>>()
        });
        (
            Just(n),
            edges,
            prop::collection::vec(prop::bool::weighted(0.3), n),
        )
    })
}

fn doc(n: usize, edges: &[(usize, usize)], restricted: &[bool]) -> serde_json::Value {
    let comps: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let supplier = if restricted[i] { "AO Kaspersky Lab" } else { "Acme" };
            json!({"bom-ref": format!("c{i}"), "name": format!("c{i}"), "type": "library", "supplier": {"name": supplier}})
        })
        .collect();
    let mut deps: HashMap<usize, Vec<String>> = HashMap::new();
    for (a, b) in edges {
        deps.entry(*a).or_default().push(format!("c{b}"));
    }
    // The root depends on c0; other components hang wherever the random edges put them (or are
    // attached to the root as `listed` when nothing includes them).
    let mut dependencies = vec![json!({"ref": "root", "dependsOn": ["c0"]})];
    let mut keys: Vec<_> = deps.keys().copied().collect();
    keys.sort_unstable();
    for k in keys {
        dependencies.push(json!({"ref": format!("c{k}"), "dependsOn": deps[&k]}));
    }
    json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "root", "name": "root"}},
        "components": comps, "dependencies": dependencies})
}

/// The edges bomvet must see: declared ones, plus root -> every component nothing includes.
fn expected_edges(n: usize, edges: &[(usize, usize)]) -> HashSet<(String, String)> {
    let mut set: HashSet<(String, String)> = edges
        .iter()
        .map(|(a, b)| (format!("c{a}"), format!("c{b}")))
        .collect();
    set.insert(("root".into(), "c0".into()));
    let has_parent: HashSet<String> = set.iter().map(|(_, b)| b.clone()).collect();
    for i in 0..n {
        let c = format!("c{i}");
        if !has_parent.contains(&c) {
            set.insert(("root".into(), c));
        }
    }
    // A cycle that nothing enters: its first component (document order) is attached to the root.
    let reach = |set: &HashSet<(String, String)>| {
        let mut seen: HashSet<String> = HashSet::from(["root".to_owned()]);
        let mut q = VecDeque::from(["root".to_owned()]);
        while let Some(u) = q.pop_front() {
            for (a, b) in set.iter() {
                if *a == u && seen.insert(b.clone()) {
                    q.push_back(b.clone());
                }
            }
        }
        seen
    };
    for i in 0..n {
        let c = format!("c{i}");
        if !reach(&set).contains(&c) {
            set.insert(("root".into(), c));
        }
    }
    set
}

/// A component as compared across encodings: name, version, purl, first party's name.
type ComponentKey = (
    CompactString,
    Option<CompactString>,
    Option<CompactString>,
    Option<CompactString>,
);

fn audit(doc: &serde_json::Value) -> Vec<bomvet_audit::Finding> {
    let policy = Policy::embedded_default();
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    let sbom =
        bomvet_ingest::read_bytes(Path::new("p.json"), &bytes).unwrap_or_else(|e| panic!("{e}"));
    Auditor::new(&policy, AuditOptions::default())
        .audit(&sbom)
        .findings
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Every reported path is a chain of real edges from the root to the component, and the
    /// dependents are exactly the components that reach it (reverse reachability).
    #[test]
    fn paths_are_real_and_dependents_are_reverse_reachability((n, edges, restricted) in graph(false)) {
        let findings = audit(&doc(n, &edges, &restricted));
        let real = expected_edges(n, &edges);
        let mut parents: HashMap<String, Vec<String>> = HashMap::new();
        for (a, b) in &real {
            parents.entry(b.clone()).or_default().push(a.clone());
        }
        for f in findings.iter().filter(|f| f.code == Code::RestrictedOrigin) {
            prop_assert_eq!(f.path.first().map(String::as_str), Some("root"));
            prop_assert_eq!(f.path.last(), Some(&f.component.id));
            for w in f.path.windows(2) {
                prop_assert!(real.contains(&(w[0].clone(), w[1].clone())), "{:?} is no edge", w);
            }
            for rp in &f.via_roots {
                for p in &rp.paths {
                    for w in p.windows(2) {
                        prop_assert!(real.contains(&(w[0].clone(), w[1].clone())));
                    }
                    let distinct: BTreeSet<&String> = p.iter().collect();
                    prop_assert_eq!(distinct.len(), p.len(), "paths are simple");
                }
            }
            let mut seen: HashSet<String> = HashSet::new();
            let mut q = VecDeque::from([f.component.id.clone()]);
            while let Some(u) = q.pop_front() {
                for p in parents.get(&u).into_iter().flatten() {
                    if *p != f.component.id && seen.insert(p.clone()) {
                        q.push_back(p.clone());
                    }
                }
            }
            prop_assert_eq!(f.dependents.as_ref().map(|d| d.total), Some(seen.len()));
        }
    }

    /// On acyclic graphs the path count equals a brute-force count of paths from the root.
    #[test]
    fn path_count_matches_brute_force_on_dags((n, edges, restricted) in graph(true)) {
        let findings = audit(&doc(n, &edges, &restricted));
        let real = expected_edges(n, &edges);
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for (a, b) in &real {
            children.entry(a.clone()).or_default().push(b.clone());
        }
        fn count(from: &str, to: &str, ch: &HashMap<String, Vec<String>>) -> u64 {
            if from == to {
                return 1;
            }
            ch.get(from).into_iter().flatten().map(|c| count(c, to, ch)).sum()
        }
        for f in findings.iter().filter(|f| f.code == Code::RestrictedOrigin) {
            prop_assert_eq!(f.path_count, Some(count("root", &f.component.id, &children)));
        }
    }

    /// Normalising a name twice changes nothing.
    #[test]
    fn normalize_is_idempotent(s in "\\PC{0,40}") {
        let once = bomvet_policy::normalize::normalize(&s);
        prop_assert_eq!(bomvet_policy::normalize::normalize(&once), once);
    }

    /// The same random SBOM written as CycloneDX JSON and as SPDX JSON reads to the same
    /// components (name, version, purl, supplier) and the same edges.
    #[test]
    fn same_model_from_cyclonedx_and_spdx((n, edges, restricted) in graph(false), versions in prop::collection::vec("[0-9]\\.[0-9]{1,2}", 14)) {
        let cdx = doc(n, &edges, &restricted);
        let mut packages = vec![json!({"SPDXID": "SPDXRef-root", "name": "root", "downloadLocation": "NOASSERTION"})];
        let mut cdx = cdx;
        for i in 0..n {
            let supplier = if restricted[i] { "AO Kaspersky Lab" } else { "Acme" };
            let purl = format!("pkg:npm/%40org/c{i}@{}", versions[i]);
            cdx["components"][i]["version"] = json!(versions[i]);
            cdx["components"][i]["purl"] = json!(purl);
            packages.push(json!({"SPDXID": format!("SPDXRef-c{i}"), "name": format!("c{i}"), "versionInfo": versions[i],
                "supplier": format!("Organization: {supplier}"), "downloadLocation": "NOASSERTION",
                "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]}));
        }
        let mut rels = vec![
            json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-root"}),
            json!({"spdxElementId": "SPDXRef-root", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-c0"}),
        ];
        for (a, b) in &edges {
            rels.push(json!({"spdxElementId": format!("SPDXRef-c{b}"), "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": format!("SPDXRef-c{a}")}));
        }
        let spdx = json!({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "p",
            "documentNamespace": "https://x.invalid/p", "packages": packages, "relationships": rels});
        let read = |v: &serde_json::Value| {
            let bytes = serde_json::to_vec(v).unwrap_or_default();
            bomvet_ingest::read_bytes(Path::new("x.json"), &bytes).unwrap_or_else(|e| panic!("{e}"))
        };
        let (a, b) = (read(&cdx), read(&spdx));
        let key = |s: &bomvet_model::Sbom| -> BTreeSet<ComponentKey> {
            s.components.iter().map(|c| (
                c.name.clone(),
                c.version.clone(),
                c.purl.as_ref().map(|p| p.value.clone()),
                c.parties.first().and_then(|p| p.name.clone()),
            )).collect()
        };
        prop_assert_eq!(key(&a), key(&b));
        let names = |s: &bomvet_model::Sbom| -> BTreeSet<(String, String)> {
            let by_id: HashMap<&str, &str> = s.components.iter().map(|c| (c.id.as_str(), c.name.as_str())).collect();
            s.relationships.iter().map(|r| (
                by_id.get(r.from.as_str()).copied().unwrap_or("?").to_owned(),
                by_id.get(r.to.as_str()).copied().unwrap_or("?").to_owned(),
            )).collect()
        };
        prop_assert_eq!(names(&a), names(&b));
        let restricted_names = |s: &bomvet_model::Sbom| -> BTreeSet<String> {
            let policy = Policy::embedded_default();
            Auditor::new(&policy, AuditOptions::default()).audit(s).findings.into_iter()
                .filter(|f| f.code == Code::RestrictedOrigin)
                .map(|f| format!("{} {:?}", f.component.name, f.path_count))
                .collect()
        };
        prop_assert_eq!(restricted_names(&a), restricted_names(&b));
    }
}
