//! Findings a pipeline can gate on: paths, path counts, scope, waivers, baselines, diff and the
//! unknown-origin gate, on hand-built graphs and through the real binary.

use crate::common;

use std::path::Path;

use crate::common::{bomvet, field_where, temp_file};
use bomvet_audit::{AuditOptions, Auditor, Code, Finding, Severity};
use bomvet_policy::Policy;
use serde_json::{json, Value};

const KAV: &str = r#"{"name": "kav-sdk", "supplier": {"name": "AO Kaspersky Lab"}}"#;

/// A CycloneDX document from (ref, extra fields) components and (from, [to]) dependencies; the
/// component `kav` is the Kaspersky SDK.
fn cdx(components: &[&str], deps: &[(&str, &[&str])], root: &str) -> Value {
    let comps: Vec<Value> = components
        .iter()
        .filter(|c| **c != root)
        .map(|c| {
            let mut v = if *c == "kav" {
                serde_json::from_str(KAV).unwrap_or_default()
            } else {
                json!({"name": c, "supplier": {"name": "Acme"}})
            };
            v["bom-ref"] = json!(c);
            v["type"] = json!("library");
            v
        })
        .collect();
    let deps: Vec<Value> = deps
        .iter()
        .map(|(f, t)| json!({"ref": f, "dependsOn": t}))
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": root, "name": root, "supplier": {"name": "Acme"}}},
        "components": comps, "dependencies": deps})
}

fn restricted(doc: &Value) -> Vec<Finding> {
    let policy = Policy::embedded_default();
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    let sbom =
        bomvet_ingest::read_bytes(Path::new("t.json"), &bytes).unwrap_or_else(|e| panic!("{e}"));
    Auditor::new(&policy, AuditOptions::default())
        .audit(&sbom)
        .findings
        .into_iter()
        .filter(|f| f.code == Code::RestrictedOrigin)
        .collect()
}

/// A product with 30 direct dependencies that each bring the SDK in: the finding counts all 30
/// and lists the first 20 in document order; `--list-dependents` lists all 30, in the JSON report
/// of the real binary too.
#[test]
fn direct_dependencies_are_counted_and_listed_up_to_twenty() {
    let mids: Vec<String> = (0..30).map(|i| format!("m{i:02}")).collect();
    let mut comps: Vec<&str> = vec!["app", "kav"];
    comps.extend(mids.iter().map(String::as_str));
    let mid_refs: Vec<&str> = mids.iter().map(String::as_str).collect();
    let mut deps: Vec<(&str, &[&str])> = vec![("app", &mid_refs)];
    for m in &mid_refs {
        deps.push((m, &["kav"]));
    }
    let doc = cdx(&comps, &deps, "app");
    let f = &restricted(&doc)[0];
    let r = &f.via_roots[0];
    assert_eq!(r.direct_dependency_count, 30);
    assert_eq!(r.direct_dependencies, mid_refs[..20]);
    let (_dir, file) = temp_file(
        "wide.cdx.json",
        &serde_json::to_vec(&doc).unwrap_or_default(),
    );
    for (flag, listed) in [(None, 20), (Some("--list-dependents"), 30)] {
        let mut args = vec!["scan", "--format", "json", "--fail-on", "never"];
        args.extend(flag);
        let path = file.to_string_lossy().into_owned();
        args.push(&path);
        let out = bomvet(&args);
        let report: Value = serde_json::from_str(&out.stdout).unwrap_or_default();
        let via = report["findings"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["code"] == "restricted-origin"))
            .map(|f| f["via_roots"][0].clone())
            .unwrap_or_default();
        assert_eq!(via["direct_dependency_count"], 30, "{flag:?}");
        assert_eq!(
            via["direct_dependencies"].as_array().map(Vec::len),
            Some(listed),
            "{flag:?}"
        );
    }
}

/// A diamond: two paths, two direct dependencies of the product, no single cut.
#[test]
fn diamond_two_paths_no_single_cut() {
    let doc = cdx(
        &["app", "a", "b", "kav"],
        &[("app", &["a", "b"]), ("a", &["kav"]), ("b", &["kav"])],
        "app",
    );
    let f = &restricted(&doc)[0];
    assert_eq!(f.path_count, Some(2));
    let r = &f.via_roots[0];
    assert_eq!(r.direct_dependencies, ["a", "b"]);
    assert_eq!(r.direct_dependency_count, 2);
    assert_eq!(r.only_through, None);
    assert_eq!(
        r.paths,
        vec![vec!["app", "a", "kav"], vec!["app", "b", "kav"]]
    );
    assert_eq!(
        f.dependents.as_ref().map(|d| (d.direct, d.total)),
        Some((2, 3))
    );
}

/// Reached only through one direct dependency: that is the one to cut.
#[test]
fn only_through_names_the_cut() {
    let doc = cdx(
        &["app", "ui", "av", "x", "y", "kav"],
        &[
            ("app", &["ui", "av"]),
            ("av", &["x", "y"]),
            ("x", &["kav"]),
            ("y", &["kav"]),
        ],
        "app",
    );
    let f = &restricted(&doc)[0];
    assert_eq!(f.via_roots[0].only_through.as_deref(), Some("av"));
    assert_eq!(f.path_count, Some(2));
}

/// A cycle on the way does not hang anything and does not inflate the count.
#[test]
fn cycle_on_the_path() {
    let doc = cdx(
        &["app", "a", "b", "kav"],
        &[("app", &["a"]), ("a", &["b"]), ("b", &["a", "kav"])],
        "app",
    );
    let f = &restricted(&doc)[0];
    assert_eq!(f.path_count, Some(1));
    assert_eq!(f.path, ["app", "a", "b", "kav"]);
}

/// Six fully connected layers of ten: 10^6 paths, counted not enumerated; five listed.
#[test]
fn million_paths_are_counted_not_enumerated() {
    let mut comps = vec!["app".to_owned(), "kav".to_owned()];
    let mut deps: Vec<(String, Vec<String>)> = Vec::new();
    let layer = |l: usize| (0..10).map(move |i| format!("l{l}n{i}"));
    comps.extend((0..6).flat_map(layer));
    deps.push(("app".into(), layer(0).collect()));
    for l in 0..5 {
        for n in layer(l) {
            deps.push((n, layer(l + 1).collect()));
        }
    }
    for n in layer(5) {
        deps.push((n, vec!["kav".into()]));
    }
    let comp_refs: Vec<&str> = comps.iter().map(String::as_str).collect();
    let dep_vecs: Vec<Vec<&str>> = deps
        .iter()
        .map(|(_, t)| t.iter().map(String::as_str).collect())
        .collect();
    let dep_refs: Vec<(&str, &[&str])> = deps
        .iter()
        .zip(&dep_vecs)
        .map(|((f, _), t)| (f.as_str(), t.as_slice()))
        .collect();
    let f = &restricted(&cdx(&comp_refs, &dep_refs, "app"))[0];
    assert_eq!(f.path_count, Some(1_000_000));
    assert_eq!(f.via_roots[0].paths.len(), 5);
    assert_eq!(f.via_roots[0].direct_dependencies.len(), 10);
}

/// The SDK 201 levels below the product (a chain of 200 components, and a second way into
/// its second link): every path is shown cut, its first and last 32 refs around one entry for
/// the 138 left out, with the whole length and the depth exact, and no other paths searched
/// for; in the real binary's JSON and text reports too. Paths in full made a hostile chain of
/// 20,000 components a 1.7 GB report (decision 32).
#[test]
fn long_paths_are_shown_cut_with_their_length() {
    let chain: Vec<String> = (0..200).map(|i| format!("c{i:03}")).collect();
    let mut comps: Vec<&str> = vec!["app", "x", "kav"];
    comps.extend(chain.iter().map(String::as_str));
    let mut deps: Vec<(&str, Vec<&str>)> = vec![("app", vec!["c000", "x"]), ("x", vec!["c001"])];
    for w in chain.windows(2) {
        deps.push((&w[0], vec![&w[1]]));
    }
    deps.push(("c199", vec!["kav"]));
    let dep_refs: Vec<(&str, &[&str])> = deps.iter().map(|(f, t)| (*f, t.as_slice())).collect();
    let doc = cdx(&comps, &dep_refs, "app");
    let f = &restricted(&doc)[0];
    let cut = |p: &[String]| {
        assert_eq!(p.len(), 65, "{p:?}");
        assert_eq!(p[32], "... 138 more ...");
        assert_eq!((p[0].as_str(), p[64].as_str()), ("app", "kav"));
        assert_eq!(p[63], "c199");
    };
    cut(&f.path);
    assert_eq!(f.path_names.len(), 65);
    assert_eq!(f.path_names[32], "... 138 more ...");
    assert_eq!(f.path_length, Some(202));
    assert_eq!(f.depth(), 201);
    assert!(f.message.contains("201 levels down"), "{}", f.message);
    assert_eq!(f.path_count, Some(2));
    cut(&f.via_roots[0].shortest);
    assert!(f.via_roots[0].paths.is_empty());

    let (_dir, file) = temp_file(
        "chain.cdx.json",
        &serde_json::to_vec(&doc).unwrap_or_default(),
    );
    let path = file.to_string_lossy().into_owned();
    let json = bomvet(&["scan", "--format", "json", "--fail-on", "never", &path]).json();
    let found = &json["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["code"] == "restricted-origin"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(found["path"].as_array().map(Vec::len), Some(65), "{found}");
    assert_eq!(found["path"][32], "... 138 more ...");
    assert_eq!(found["path_length"], 202);
    let text = bomvet(&["scan", "--format", "human", "--fail-on", "never", &path]).stdout;
    for want in [
        "201 levels below the product",
        "c030 -> ... 138 more ... -> c169",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

/// Restricted components at depths 250, 3 and 120 of a chain of 300, listed in that order: the
/// shallow one's dependents are found by a search, the deep ones' (past the search's budget) in a
/// batch over the graph; the findings still come in the components' order, each with its exact
/// dependents, products and the product's child that brings it in.
#[test]
fn findings_keep_the_components_order_however_their_dependents_are_found() {
    let chain: Vec<String> = (0..300).map(|i| format!("c{i:03}")).collect();
    let mut deps: Vec<Value> = vec![json!({"ref": "app", "dependsOn": ["c000"]})];
    for w in chain.windows(2) {
        deps.push(json!({"ref": w[0], "dependsOn": [w[1]]}));
    }
    let kav = |r: &str| json!({"bom-ref": r, "type": "library", "name": r, "supplier": {"name": "AO Kaspersky Lab"}});
    let restricted_at = [250, 3, 120];
    let mut comps: Vec<Value> = restricted_at.iter().map(|&d| kav(&chain[d - 1])).collect();
    comps.extend(chain.iter().enumerate().filter(|(i, _)| !restricted_at.contains(&(i + 1))).map(
        |(_, r)| json!({"bom-ref": r, "type": "library", "name": r, "supplier": {"name": "Acme"}}),
    ));
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "app", "name": "app", "type": "application"}},
        "components": comps, "dependencies": deps});
    let found = restricted(&doc);
    let refs: Vec<&str> = found.iter().map(|f| f.component.id.as_str()).collect();
    assert_eq!(refs, ["c249", "c002", "c119"]);
    for (f, depth) in found.iter().zip(restricted_at) {
        let d = f.dependents.as_ref().map(|d| (d.direct, d.total));
        assert_eq!(d, Some((1, depth)), "{}", f.component.id);
        assert_eq!(f.depth(), depth);
        assert_eq!(f.roots, ["app"]);
        assert_eq!(f.via_roots[0].only_through.as_deref(), Some("c000"));
    }
}

/// 25 products over one shared library that brings the SDK in: the finding lists the first 20
/// products (and their paths) with the count of all, and all 25 with `--list-dependents`. Every
/// product listed per finding made 2,000 findings under 2,000 products a 1.7 GB report.
#[test]
fn products_are_counted_and_listed_up_to_twenty() {
    let products: Vec<String> = (0..25).map(|i| format!("p{i:02}")).collect();
    let mut comps: Vec<Value> = products
        .iter()
        .map(|p| json!({"bom-ref": p, "type": "application", "name": p, "supplier": {"name": "Acme"}}))
        .collect();
    comps.push(
        json!({"bom-ref": "lib", "type": "library", "name": "lib", "supplier": {"name": "Acme"}}),
    );
    comps.push(json!({"bom-ref": "kav", "type": "library", "name": "kav-sdk", "supplier": {"name": "AO Kaspersky Lab"}}));
    let mut deps: Vec<Value> = products
        .iter()
        .map(|p| json!({"ref": p, "dependsOn": ["lib"]}))
        .collect();
    deps.push(json!({"ref": "lib", "dependsOn": ["kav"]}));
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": comps, "dependencies": deps});
    let f = &restricted(&doc)[0];
    assert_eq!(f.roots, products[..20]);
    assert_eq!(f.root_count, Some(25));
    let via: Vec<&str> = f.via_roots.iter().map(|r| r.root.as_str()).collect();
    assert_eq!(via, products[..20]);
    assert!(f
        .via_roots
        .iter()
        .all(|r| r.only_through.as_deref() == Some("lib")));
    assert_eq!(f.dependents.as_ref().map(|d| d.total), Some(26));

    let (_dir, file) = temp_file(
        "products.cdx.json",
        &serde_json::to_vec(&doc).unwrap_or_default(),
    );
    let path = file.to_string_lossy().into_owned();
    let human = bomvet(&["scan", "--format", "human", "--fail-on", "never", &path]).stdout;
    assert!(
        human.contains("p19, ... (25 in all; all with --list-dependents)"),
        "{human}"
    );
    let all = bomvet(&[
        "scan",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--list-dependents",
        &path,
    ])
    .json();
    let found = &all["findings"][0];
    assert_eq!(found["code"], "restricted-origin");
    assert_eq!(found["roots"].as_array().map(Vec::len), Some(25), "{found}");
    assert_eq!(found["via_roots"].as_array().map(Vec::len), Some(25));
    assert!(found.get("root_count").is_none());
}

/// Two chains of 200 below the product, each ending in a Kaspersky component: in the drawn
/// graph each cut path has an entry of its own for the refs it leaves out (both leave out 138),
/// so that no edge joins the top of one chain to the bottom of the other.
#[test]
fn each_cut_path_is_drawn_with_its_own_gap() {
    let mut comps = Vec::new();
    let mut deps = vec![json!({"ref": "app", "dependsOn": ["a000", "b000"]})];
    for chain in ["a", "b"] {
        for i in 0..200 {
            comps.push(
                json!({"bom-ref": format!("{chain}{i:03}"), "type": "library",
                "name": format!("{chain}{i:03}"), "supplier": {"name": "Acme"}}),
            );
            let next = if i == 199 {
                format!("kav-{chain}")
            } else {
                format!("{chain}{:03}", i + 1)
            };
            deps.push(json!({"ref": format!("{chain}{i:03}"), "dependsOn": [next]}));
        }
        comps.push(json!({"bom-ref": format!("kav-{chain}"), "type": "library",
            "name": format!("kav-sdk-{chain}"), "supplier": {"name": "AO Kaspersky Lab"}}));
    }
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "app", "name": "app", "type": "application"}},
        "components": comps, "dependencies": deps});
    let (_dir, file) = temp_file(
        "chains.cdx.json",
        &serde_json::to_vec(&doc).unwrap_or_default(),
    );
    let path = file.to_string_lossy().into_owned();
    let dot = bomvet(&["scan", "--format", "dot", "--fail-on", "never", &path]).stdout;
    let gaps: Vec<&str> = dot
        .lines()
        .filter(|l| l.contains("label=\"... 138 more ...\""))
        .collect();
    assert_eq!(gaps.len(), 2, "{dot}");
    // Each gap sits between its own chain's refs: a030 -> gap -> a169, b030 -> gap -> b169.
    for chain in ["a", "b"] {
        let into: Vec<&str> = dot
            .lines()
            .filter(|l| l.contains(&format!("\"{chain}030\" -> ")))
            .collect();
        assert_eq!(into.len(), 1, "{dot}");
        assert!(into[0].contains("138 more"), "{}", into[0]);
    }
}

/// Reached only through a dev dependency (SPDX DEV_DEPENDENCY_OF): reported with that fact,
/// capped at review.
#[test]
fn dev_only_dependency_is_lowered() {
    let doc = json!({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "d",
        "documentNamespace": "https://x.invalid/d",
        "packages": [
            {"SPDXID": "SPDXRef-app", "name": "app", "supplier": "Organization: Acme"},
            {"SPDXID": "SPDXRef-test", "name": "test-harness", "supplier": "Organization: Acme"},
            {"SPDXID": "SPDXRef-kav", "name": "kav-sdk", "supplier": "Organization: AO Kaspersky Lab"}],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-app"},
            {"spdxElementId": "SPDXRef-test", "relationshipType": "DEV_DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-app"},
            {"spdxElementId": "SPDXRef-test", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-kav"}]});
    let f = &restricted(&doc)[0];
    assert_eq!(f.reachable_at_runtime, Some(false));
    assert_eq!(f.severity, Severity::Review);
    assert!(
        f.caps
            .iter()
            .any(|c| c.contains("dev, build, test or optional")),
        "{:?}",
        f.caps
    );
    // The same through a run-time edge as well stays `block`.
    let mut both = doc.clone();
    if let Some(r) = both["relationships"].as_array_mut() {
        r.push(json!({"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-kav"}));
    }
    assert_eq!(restricted(&both)[0].severity, Severity::Block);
}

/// CycloneDX `scope: excluded` on the way keeps the component out of run time.
#[test]
fn excluded_scope_is_not_runtime() {
    let mut doc = cdx(
        &["app", "tools", "kav"],
        &[("app", &["tools"]), ("tools", &["kav"])],
        "app",
    );
    doc["components"][0]["scope"] = json!("excluded");
    let f = &restricted(&doc)[0];
    assert_eq!(f.reachable_at_runtime, Some(false));
    assert_eq!(f.severity, Severity::Review);
}

const DEMO: &str = "fixtures/demo/secureedge-ngfw.cdx.json";

fn waivers(text: &str) -> (tempfile::TempDir, String) {
    let (d, p) = temp_file("waivers.toml", text.as_bytes());
    (d, p.to_string_lossy().into_owned())
}

/// A valid waiver waives: shown as waived, does not gate, exit 0.
#[test]
fn valid_waiver_waives() {
    let (_d, w) = waivers("[[waiver]]\nname = \"Kaspersky Anti-Virus SDK\"\nentity = \"kaspersky\"\nreason = \"replacement engine ships in 7.3 (SEC-42)\"\napprover = \"ciso@acme.example\"\nexpires = \"2099-12-31\"\n");
    let run = bomvet(&["scan", DEMO, "--waivers", &w, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.snapshot());
    let r = run.json();
    assert_eq!(r["findings"][0]["waiver"]["approver"], "ciso@acme.example");
    assert_eq!(r["summary"]["waived"], 1);
    let human = bomvet(&["scan", DEMO, "--waivers", &w]);
    assert!(human.stdout.contains("BLOCK (waived)"), "{}", human.stdout);
}

/// An expired waiver stops waiving and says so.
#[test]
fn expired_waiver_stops_waiving() {
    let (_d, w) = waivers("[[waiver]]\nref = \"kav-sdk\"\nreason = \"r\"\napprover = \"a\"\nexpires = \"2020-01-01\"\n");
    let run = bomvet(&["scan", DEMO, "--waivers", &w, "--format", "json"]);
    assert_eq!(run.code, 1);
    let r = run.json();
    assert!(r["findings"][0]["waiver"].is_null());
    let expired: Vec<&Value> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == "expired-waiver")
        .collect();
    assert_eq!(expired.len(), 1);
    assert!(expired[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("expired on 2020-01-01"));
}

/// A waiver that matches nothing is reported.
#[test]
fn unused_waiver_is_reported() {
    let (_d, w) = waivers("[[waiver]]\npurl = \"pkg:npm/gone*\"\nreason = \"r\"\napprover = \"a\"\nexpires = \"2099-01-01\"\n");
    let run = bomvet(&["scan", DEMO, "--waivers", &w, "--format", "json"]);
    assert_eq!(run.code, 1);
    let unused: Vec<Value> = run.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == "unused-waiver")
        .cloned()
        .collect();
    assert_eq!(unused.len(), 1);
    assert!(unused[0]["component"]["location"]
        .as_str()
        .unwrap_or_default()
        .ends_with("waivers.toml:1:1"));
}

/// A waiver's `path` holds only when every path from the product to the component passes a ref
/// it matches. The Kaspersky SDK under a test harness and also under the firewall is not waived
/// by `path = "test-harness*"` (the unused waiver says why), though the one shortest path shown
/// goes through the harness; a glob that covers both sides, or the product, waives it; under the
/// harness alone it is waived; and a harness 50 levels down, in the part of a path a report leaves
/// out, still counts.
#[test]
fn waiver_path_must_cover_every_path() {
    let scan = |doc: &Value, glob: &str| {
        let (_d, sbom) = temp_file("bom.cdx.json", doc.to_string().as_bytes());
        let (_w, w) = waivers(&format!(
            "[[waiver]]\nref = \"kav\"\npath = \"{glob}\"\nreason = \"test harness only\"\napprover = \"a@b.example\"\nexpires = \"2099-01-01\"\n"
        ));
        bomvet(&[
            "scan",
            sbom.to_str().unwrap_or_default(),
            "--waivers",
            &w,
            "--format",
            "json",
        ])
    };
    let restricted_waived = |r: &Value| -> Vec<bool> {
        r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"] == "restricted-origin")
            .map(|f| !f["waiver"].is_null())
            .collect()
    };
    let components = ["product", "test-harness", "firewall", "av-engine", "kav"];
    let both = cdx(
        &components,
        &[
            ("product", &["test-harness", "firewall"]),
            ("test-harness", &["kav"]),
            ("firewall", &["av-engine"]),
            ("av-engine", &["kav"]),
        ],
        "product",
    );
    let run = scan(&both, "test-harness*");
    assert_eq!(run.code, 1, "{}", run.snapshot());
    let r = run.json();
    assert_eq!(restricted_waived(&r), [false]);
    let shown: Vec<&str> = r["findings"][0]["path"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(shown, ["product", "test-harness", "kav"]);
    let unused = field_where(&r["findings"], ("code", "unused-waiver"), "message");
    assert_eq!(unused.len(), 1);
    assert!(
        unused[0].ends_with(
            "waives nothing: `kav` is reached by a path that passes no component matching `path` `test-harness*`"
        ),
        "{unused:?}"
    );
    for glob in ["{test-harness,av-engine}", "product", "kav"] {
        let run = scan(&both, glob);
        assert_eq!(run.code, 0, "{glob}: {}", run.snapshot());
        assert_eq!(restricted_waived(&run.json()), [true], "{glob}");
    }
    let harness_only = cdx(
        &components,
        &[
            ("product", &["test-harness", "firewall"]),
            ("test-harness", &["kav"]),
            ("firewall", &["av-engine"]),
        ],
        "product",
    );
    let run = scan(&harness_only, "test-harness*");
    assert_eq!(run.code, 0, "{}", run.snapshot());
    assert_eq!(restricted_waived(&run.json()), [true]);
    // product -> c0 -> ... -> c99 -> kav: the path shown keeps its first and last 32 refs.
    let chain: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
    let mut ids: Vec<&str> = vec!["product"];
    ids.extend(chain.iter().map(String::as_str));
    ids.push("kav");
    let links: Vec<[&str; 1]> = ids[1..].iter().map(|&c| [c]).collect();
    let deps: Vec<(&str, &[&str])> = ids
        .iter()
        .zip(&links)
        .map(|(&from, to)| (from, &to[..]))
        .collect();
    let deep = cdx(&ids, &deps, "product");
    let run = scan(&deep, "c50");
    assert_eq!(run.code, 0, "{}", run.snapshot());
    let r = run.json();
    assert_eq!(r["findings"][0]["path"][32], "... 38 more ...");
    assert_eq!(restricted_waived(&r), [true]);
}

/// A malformed waiver file stops the run: exit 2 with every problem located.
#[test]
fn malformed_waivers_exit_2() {
    let (_d, w) = waivers("[[waiver]]\nname = \"x\"\nexpires = \"soon\"\n");
    let run = bomvet(&["scan", DEMO, "--waivers", &w]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("waivers.toml`:1:1: a waiver needs a `reason`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("waivers.toml`:3:11: `soon` is not a date"),
        "{}",
        run.stderr
    );
}

/// A finding in the baseline at a lower severity gates: main's report has the Kaspersky SDK under
/// an excluded (not shipped) tool, capped at `review`; on the branch the tool ships, and the SDK
/// is `block`. `scan --baseline` marks it `raised` and fails, `diff` counts it and fails; the
/// other way round (block in the baseline, review now) it stays accepted.
#[test]
fn baseline_finding_raised_in_severity_gates() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut excluded = cdx(
        &["app", "tools", "kav"],
        &[("app", &["tools"]), ("tools", &["kav"])],
        "app",
    );
    excluded["components"][0]["scope"] = json!("excluded");
    let shipped = cdx(
        &["app", "tools", "kav"],
        &[("app", &["tools"]), ("tools", &["kav"])],
        "app",
    );
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let report = |doc: &Value, name: &str, baseline: Option<&str>| {
        let sbom = path(&format!("{name}.cdx.json"));
        std::fs::write(&sbom, doc.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let out = path(&format!("{name}.json"));
        let mut args = vec!["scan", &sbom, "--format", "json", "-o", &out];
        if let Some(b) = baseline {
            args.extend(["--baseline", b]);
        }
        let run = bomvet(&args);
        let r: Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap_or_default()).unwrap_or_default();
        (run, r, out)
    };
    let kav = |r: &Value| -> Value {
        r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["code"] == "restricted-origin")
            .cloned()
            .unwrap_or_default()
    };
    let (run, old, old_path) = report(&excluded, "main", None);
    assert_eq!(run.code, 0, "{}", run.snapshot());
    assert_eq!(kav(&old)["severity"], "review");
    let (run, new, new_path) = report(&shipped, "branch", Some(&old_path));
    assert_eq!(run.code, 1, "{}", run.snapshot());
    assert_eq!(kav(&new)["severity"], "block");
    assert_eq!(kav(&new)["fingerprint"], kav(&old)["fingerprint"]);
    assert_eq!(kav(&new)["baseline"], "raised");
    assert_eq!(new["verdict"]["gating_findings"], 1);
    let diff = bomvet(&["diff", &old_path, &new_path, "--format", "json"]);
    assert_eq!(diff.code, 1, "{}", diff.snapshot());
    assert_eq!(diff.json()["gating_new"], 0);
    assert_eq!(diff.json()["gating_raised"], 1);
    let text = bomvet(&["diff", &old_path, &new_path]);
    assert!(
        text.stdout
            .contains("1 finding(s) raised to or above `block`"),
        "{}",
        text.stdout
    );
    // Lowered since the baseline: still accepted.
    let (_, blocked, blocked_path) = report(&shipped, "old-main", None);
    assert_eq!(kav(&blocked)["severity"], "block");
    let (run, lowered, _) = report(&excluded, "lowered", Some(&blocked_path));
    assert_eq!(run.code, 0, "{}", run.snapshot());
    assert_eq!(kav(&lowered)["baseline"], "existing");
}

/// `bomvet diff` reads a report as `scan --baseline` does: a fingerprint written twice counts at
/// its highest severity (the demo's Kaspersky SDK, `block`, then a copy at `review`: not raised
/// in either), and a severity bomvet does not write is an error (exit 2), never read as `info`.
#[test]
fn diff_and_baseline_read_a_report_alike() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let report = path("report.json");
    let run = bomvet(&["scan", DEMO, "--format", "json", "-o", &report]);
    assert_eq!(run.code, 1, "{}", run.snapshot());
    let original: Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap_or_default()).unwrap_or_default();
    let blocked = original["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .position(|f| f["severity"] == "block")
        .unwrap_or_else(|| panic!("a block finding in the demo"));
    // The block finding again, after it, at `review`.
    let mut repeated = original.clone();
    let mut copy = original["findings"][blocked].clone();
    copy["severity"] = json!("review");
    if let Some(f) = repeated["findings"].as_array_mut() {
        f.push(copy);
    }
    let repeated_path = path("repeated.json");
    std::fs::write(&repeated_path, repeated.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let diff = bomvet(&["diff", &repeated_path, &report, "--format", "json"]);
    assert_eq!(diff.code, 0, "{}", diff.snapshot());
    assert_eq!(diff.json()["gating_raised"], 0);
    assert_eq!(diff.json()["changed"].as_array().map(Vec::len), Some(0));
    let scan = bomvet(&[
        "scan",
        DEMO,
        "--baseline",
        &repeated_path,
        "--format",
        "json",
    ]);
    assert_eq!(scan.code, 0, "{}", scan.snapshot());
    // A severity bomvet does not write.
    let mut unknown = original.clone();
    unknown["findings"][blocked]["severity"] = json!("critical");
    let unknown_path = path("unknown.json");
    std::fs::write(&unknown_path, unknown.to_string()).unwrap_or_else(|e| panic!("{e}"));
    for args in [
        vec!["diff", report.as_str(), unknown_path.as_str()],
        vec!["diff", unknown_path.as_str(), report.as_str()],
        vec!["scan", DEMO, "--baseline", unknown_path.as_str()],
    ] {
        let run = bomvet(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.snapshot());
        assert!(
            run.stderr
                .contains(&format!("findings[{blocked}] has no `severity`"))
                && run.stderr.contains("unknown.json"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// An old report plus one new restricted component gates on exactly that one; diff lists it.
#[test]
fn baseline_gates_only_new_findings_and_diff_lists_them() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let old = dir.path().join("old.json");
    let run = bomvet(&[
        "scan",
        DEMO,
        "--format",
        "json",
        "-o",
        old.to_str().unwrap_or_default(),
    ]);
    assert_eq!(run.code, 1);
    // Same report as baseline: nothing new, exit 0.
    let again = bomvet(&[
        "scan",
        DEMO,
        "--baseline",
        old.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(again.code, 0, "{}", again.snapshot());
    assert_eq!(again.json()["summary"]["in_baseline"], 2);
    // A new Huawei modem firmware appears.
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(common::root().join(DEMO)).unwrap_or_default())
            .unwrap_or_default();
    if let Some(c) = doc["components"].as_array_mut() {
        c.push(json!({"type": "firmware", "bom-ref": "lte-modem", "name": "lte-modem-fw", "version": "11.0",
            "supplier": {"name": "Huawei Technologies Co., Ltd."}}));
    }
    let new_path = dir.path().join("new.cdx.json");
    std::fs::write(&new_path, serde_json::to_vec(&doc).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let new_report = dir.path().join("new.json");
    let run = bomvet(&[
        "scan",
        new_path.to_str().unwrap_or_default(),
        "--baseline",
        old.to_str().unwrap_or_default(),
        "--format",
        "json",
        "-o",
        new_report.to_str().unwrap_or_default(),
    ]);
    assert_eq!(run.code, 1);
    let r: Value =
        serde_json::from_slice(&std::fs::read(&new_report).unwrap_or_default()).unwrap_or_default();
    assert_eq!(r["verdict"]["gating_findings"], 1);
    let new_ones: Vec<&Value> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["baseline"] == "new")
        .collect();
    assert_eq!(new_ones.len(), 1);
    assert_eq!(new_ones[0]["component"]["ref"], "lte-modem");
    let diff = bomvet(&[
        "diff",
        old.to_str().unwrap_or_default(),
        new_report.to_str().unwrap_or_default(),
    ]);
    assert_eq!(diff.code, 1, "{}", diff.snapshot());
    assert!(diff.stdout.contains("new (1):"), "{}", diff.stdout);
    assert!(diff.stdout.contains("lte-modem-fw@11.0"), "{}", diff.stdout);
    assert!(diff.stdout.contains("fixed (0):"), "{}", diff.stdout);
    let back = bomvet(&[
        "diff",
        new_report.to_str().unwrap_or_default(),
        old.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(back.code, 0);
    assert_eq!(back.json()["fixed"].as_array().map(Vec::len), Some(1));
}

/// `--max-unknown-origin` fails a file whose unknown share is above the limit.
#[test]
fn max_unknown_origin_gates() {
    let f = "fixtures/corpus/spdx-json/spdx-tools-golang/spdx-null-relationships.json";
    let over = bomvet(&["scan", f, "--max-unknown-origin", "50", "--format", "json"]);
    assert_eq!(over.code, 1);
    assert_eq!(over.json()["verdict"]["unknown_origin_over_limit"][0], f);
    assert_eq!(bomvet(&["scan", f, "--max-unknown-origin", "100"]).code, 0);
    assert_eq!(
        bomvet(&[
            "scan",
            DEMO,
            "--max-unknown-origin",
            "0",
            "--fail-on",
            "never"
        ])
        .code,
        0
    );
    assert_eq!(
        bomvet(&["scan", DEMO, "--max-unknown-origin", "101"]).code,
        2
    );
}

/// An SBOM that lists no components fails the gate (exit 1), names itself in every report and
/// leaves the other inputs of a batch audited; `--allow-empty` (or the config key) lets it
/// pass; a document whose only component is its product is audited as before (decision 34).
#[test]
fn sboms_with_no_components_fail_unless_allowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().unwrap_or_default().to_owned()
    };
    let empty = write(
        "empty.cdx.json",
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}"#,
    );
    // Its only package line is malformed: a warning, and nothing else.
    let tv = write(
        "broken.spdx",
        "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: x\nDocumentNamespace: https://example.com/x\nPackageName\n",
    );
    let product = write(
        "product.cdx.json",
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"application","name":"p","bom-ref":"p","supplier":{"name":"Acme"}}}}"#,
    );
    for f in [&empty, &tv] {
        let run = bomvet(&["scan", f, "--format", "json"]);
        assert_eq!(run.code, 1, "{f}: {}", run.stderr);
        let r = run.json();
        assert_eq!(r["verdict"]["no_components"][0], f.as_str());
        assert_eq!(r["verdict"]["gating_findings"], 0);
        assert_eq!(r["inputs"][0]["status"], "audited");
        assert_eq!(r["inputs"][0]["origin_coverage_pct"], 0.0);
        // Not silenced by a threshold: only by the explicit flag.
        assert_eq!(bomvet(&["scan", f, "--fail-on", "never"]).code, 1);
        let allowed = bomvet(&["scan", f, "--allow-empty", "--format", "json"]);
        assert_eq!(allowed.code, 0, "{}", allowed.stderr);
        assert!(allowed.json()["verdict"].get("no_components").is_none());
        // `--max-unknown-origin` leaves it to this rule.
        assert_eq!(
            bomvet(&["scan", f, "--allow-empty", "--max-unknown-origin", "0"]).code,
            0
        );
    }
    let human = bomvet(&["scan", &empty]);
    assert!(
        human.stdout.contains("no components: nothing to vet")
            && human
                .stdout
                .contains("FAIL: 1 SBOM(s) list no components (exit 1)"),
        "{}",
        human.stdout
    );
    let markdown = bomvet(&["scan", &empty, "--format", "markdown"]).stdout;
    assert!(markdown.starts_with("## bomvet: **FAIL**: 1 SBOM(s) list no components"));
    let junit = bomvet(&["scan", &empty, "--format", "junit"]).stdout;
    assert!(
        junit.contains(r#"failures="1""#) && junit.contains(r#"type="no-components""#),
        "{junit}"
    );
    let sarif = bomvet(&["scan", &empty, "--format", "sarif"]).json();
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes.as_array().map(Vec::len), Some(1), "{sarif}");
    let html = bomvet(&["scan", &empty, "--format", "html"]).stdout;
    assert!(html.contains("FAIL: 1 SBOM(s) list no components"));
    // In a batch the others are audited and their findings still gate.
    let batch = bomvet(&["scan", &empty, DEMO, "--format", "json"]);
    assert_eq!(batch.code, 1);
    let r = batch.json();
    assert!(r["verdict"]["gating_findings"].as_u64() > Some(0));
    assert_eq!(
        r["verdict"]["no_components"].as_array().map(Vec::len),
        Some(1)
    );
    // The product alone is a component: audited as before.
    let run = bomvet(&["scan", &product, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["inputs"][0]["components"], 1);
    // The config key.
    let cfg = write("bomvet.toml", "[scan]\nallow-empty = true\n");
    assert_eq!(bomvet(&["scan", &empty, "--config", &cfg]).code, 0);
}

/// A finding points at its own component's reference: in a CycloneDX XML file whose nested
/// components repeat their parent's `bom-ref` (the spec's invalid-component-ref case), each gets
/// the line of its own tag, read in memory or through a buffer; a component without a
/// reference gets no line (decision 33).
#[test]
fn duplicate_refs_get_the_line_of_their_own_component() {
    let file = "fixtures/conformance/cyclonedx/1.6/invalid-component-ref-1.6.xml";
    for stream in ["268435456", "0"] {
        let out = common::bomvet(&["scan", file, "--format", "json", "--stream-above", stream]);
        let report = out.json();
        let lines: Vec<(String, Option<u64>)> = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"] == "unknown-origin")
            .map(|f| {
                let c = &f["component"];
                (
                    c["location"].as_str().unwrap_or_default().to_owned(),
                    c["line"].as_u64(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("components[0]".to_owned(), Some(4)),
                ("components[0].components[0]".to_owned(), Some(8)),
                ("components[0].components[1]".to_owned(), Some(13)),
                ("components[0].components[2]".to_owned(), None),
            ],
            "--stream-above {stream}"
        );
    }
}

/// `audit_beside` is given every component that may get a finding (decision 37): the CLI
/// searches the file for their lines while the findings are made, so a finding whose component
/// were missing would lose its line. Restricted, unknown-origin, dangling, duplicate, self-loop
/// and cycle findings, each on a component of its own; the same findings as `audit`.
#[test]
fn audit_beside_is_given_every_component_with_a_finding() {
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
    "metadata": {"component": {"bom-ref": "app", "name": "app", "supplier": {"name": "Acme"}}},
    "components": [
        {"bom-ref": "kav", "name": "kav-sdk", "supplier": {"name": "AO Kaspersky Lab"}},
        {"bom-ref": "anon", "name": "anon"},
        {"bom-ref": "dup", "name": "dup-1", "supplier": {"name": "Acme"}},
        {"bom-ref": "dup", "name": "dup-2", "supplier": {"name": "Acme"}},
        {"bom-ref": "loop", "name": "loop", "supplier": {"name": "Acme"}},
        {"bom-ref": "c1", "name": "c1", "supplier": {"name": "Acme"}},
        {"bom-ref": "c2", "name": "c2", "supplier": {"name": "Acme"}},
        {"bom-ref": "clean", "name": "clean", "supplier": {"name": "Acme"}}
    ],
    "dependencies": [
        {"ref": "app", "dependsOn": ["kav", "anon", "dup", "loop", "c1", "clean"]},
        {"ref": "clean", "dependsOn": ["nowhere"]},
        {"ref": "loop", "dependsOn": ["loop"]},
        {"ref": "c1", "dependsOn": ["c2"]},
        {"ref": "c2", "dependsOn": ["c1"]}
    ]});
    let policy = Policy::embedded_default();
    let bytes = serde_json::to_vec(&doc).unwrap_or_default();
    let sbom =
        bomvet_ingest::read_bytes(Path::new("t.json"), &bytes).unwrap_or_else(|e| panic!("{e}"));
    let auditor = Auditor::new(&policy, AuditOptions::default());
    let (audit, candidates) = auditor.audit_beside(&sbom, |c| c.to_vec());
    let codes: std::collections::BTreeSet<&str> =
        audit.findings.iter().map(|f| f.code.as_str()).collect();
    for code in [
        "restricted-origin",
        "unknown-origin",
        "dangling-ref",
        "duplicate-ref",
        "dependency-cycle",
    ] {
        assert!(codes.contains(code), "{code} in {codes:?}");
    }
    let cycles = audit
        .findings
        .iter()
        .filter(|f| f.code == Code::DependencyCycle)
        .count();
    assert_eq!(cycles, 2, "the self-loop and the cycle");
    let given: std::collections::BTreeSet<&str> = candidates
        .iter()
        .map(|&i| sbom.components[i].id.as_str())
        .collect();
    for f in &audit.findings {
        if !f.component.id.is_empty() {
            assert!(
                given.contains(f.component.id.as_str()),
                "{} ({}) not given: {given:?}",
                f.component.id,
                f.code.as_str()
            );
        }
    }
    assert!(
        candidates.windows(2).all(|w| w[0] < w[1]),
        "document order: {candidates:?}"
    );
    let plain = auditor.audit(&sbom);
    assert_eq!(
        serde_json::to_value(&plain.findings).unwrap_or_default(),
        serde_json::to_value(&audit.findings).unwrap_or_default()
    );
}
