//! Several SBOMs, one graph (issue #3, item 5): a product's SBOM and the supplier SBOMs it links
//! to, given in one run, are joined, and a restricted component in a supplier's SBOM is reported
//! with its path from the product, its own file and its ref as written there.

use crate::common;

use crate::common::{bomvet, bomvet_with};
use serde_json::Value;

/// The restricted-origin findings of a JSON report.
fn restricted(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["code"] == "restricted-origin")
                .collect()
        })
        .unwrap_or_default()
}

fn input<'a>(report: &'a Value, source: &str) -> &'a Value {
    report["inputs"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["source"] == source))
        .unwrap_or_else(|| panic!("no input {source} in {report:#}"))
}

fn names(f: &Value) -> Vec<&str> {
    f["path_names"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// CycloneDX: a BOM-Link in `dependsOn` and an external `bom` reference (by serial number) join
/// a JSON supplier SBOM; an external `bom` reference by file name joins an XML one.
#[test]
fn cyclonedx_bom_link_and_external_bom_references() {
    let run = bomvet(&["scan", "fixtures/linked/cyclonedx", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let product = "fixtures/linked/cyclonedx/harbor-gateway.cdx.json";
    let suite = "fixtures/linked/cyclonedx/northwind-threat-suite.cdx.json";
    let camera = "fixtures/linked/cyclonedx/lumen-cam-fw.cdx.xml";
    assert_eq!(input(&r, product)["status"], "audited");
    assert_eq!(input(&r, product)["components"], 10);
    for joined in [suite, camera] {
        assert_eq!(input(&r, joined)["status"], "joined");
        assert_eq!(input(&r, joined)["joined_into"], product);
    }
    let vias: Vec<&str> = input(&r, product)["linked"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["links"].as_array().into_iter().flatten())
        .filter_map(|l| l["via"].as_str())
        .collect();
    assert!(vias.contains(&"bom-link"), "{vias:?}");
    assert!(vias.contains(&"external-bom-reference"), "{vias:?}");

    let found = restricted(&r);
    assert_eq!(found.len(), 2, "{found:#?}");
    let kav = found
        .iter()
        .find(|f| f["entity"]["id"] == "kaspersky")
        .expect("the Kaspersky SDK in the supplier's SBOM is found");
    assert_eq!(kav["source"], product);
    assert_eq!(kav["component"]["written_in"], suite);
    assert_eq!(kav["component"]["ref"], "kav-sdk");
    assert_eq!(kav["component"]["location"], "components[1]");
    assert_eq!(
        kav["component"]["line"], 25,
        "line of the bom-ref in the supplier's file"
    );
    assert_eq!(kav["relation"], "transitive");
    assert_eq!(kav["severity"], "block");
    assert_eq!(
        names(kav),
        [
            "Harbor Gateway 5000@2.4.0",
            "threat-protection-suite@5.0.2",
            "scan-engine@9.1.0",
            "Kaspersky Anti-Virus SDK@8.9.2"
        ]
    );
    assert_eq!(kav["via_roots"][0]["only_through"], "threat-suite");
    let hik = found
        .iter()
        .find(|f| f["entity"]["id"] == "hikvision")
        .expect("the Hikvision firmware in the camera's XML SBOM is found");
    assert_eq!(hik["component"]["written_in"], camera);
    assert_eq!(
        names(hik),
        [
            "Harbor Gateway 5000@2.4.0",
            "yard-camera@3.1",
            "lumen-cam-firmware@3.1.7",
            "video-core@5.5.0"
        ]
    );
    // Nothing dangles once the documents are joined.
    assert!(
        !r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["code"] == "dangling-ref"),
        "{r:#}"
    );
}

/// SPDX: a relationship to `DocumentRef-av:SPDXRef-engine` resolves through the external
/// document reference to a tag-value supplier SBOM.
#[test]
fn spdx_external_document_ref_into_tag_value() {
    let run = bomvet(&["scan", "fixtures/linked/spdx", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let found = restricted(&r);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert_eq!(f["source"], "fixtures/linked/spdx/edge-router.spdx.json");
    assert_eq!(
        f["component"]["written_in"],
        "fixtures/linked/spdx/northwind-av-engine.spdx"
    );
    assert_eq!(f["component"]["ref"], "SPDXRef-kav");
    assert_eq!(
        names(f),
        [
            "edge-router-9@1.0",
            "av-plugin@2.2",
            "av-engine@2.2",
            "kaspersky-scan-sdk@8.9"
        ]
    );
}

/// The same purl: the product's component is the root of the supplier's SBOM.
#[test]
fn same_purl_joins_the_supplier_sbom() {
    let run = bomvet(&["scan", "fixtures/linked/purl", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let found = restricted(&r);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert_eq!(f["source"], "fixtures/linked/purl/kiosk.cdx.json");
    assert_eq!(f["entity"]["id"], "huawei");
    assert_eq!(f["relation"], "transitive");
    assert_eq!(names(f).first().copied(), Some("visitor-kiosk@4.0"));
    assert_eq!(
        input(&r, "fixtures/linked/purl/badge-printer-driver.spdx.json")["status"],
        "joined"
    );
}

/// `--no-link` audits each document on its own: the finding belongs to the supplier's SBOM,
/// one level below its own root, and the product is clean.
#[test]
fn no_link_audits_each_document_alone() {
    let run = bomvet(&[
        "scan",
        "fixtures/linked/purl",
        "--no-link",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let r = run.json();
    let found = restricted(&r);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["source"],
        "fixtures/linked/purl/badge-printer-driver.spdx.json"
    );
    assert_eq!(found[0]["relation"], "direct");
    assert!(found[0]["component"].get("written_in").is_none());
    for i in r["inputs"].as_array().into_iter().flatten() {
        assert_eq!(i["status"], "audited");
    }
}

/// A product given alone keeps its cross-document references as dangling (reported, the gate
/// is not silently passed), and joins when its supplier is piped on standard input.
#[test]
fn product_alone_and_supplier_on_stdin() {
    let product = "fixtures/linked/cyclonedx/harbor-gateway.cdx.json";
    let alone = bomvet(&["scan", product, "--format", "json"]).json();
    assert!(restricted(&alone).is_empty());
    assert!(alone["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["code"] == "dangling-ref"
            && f["related"][0] == "urn:cdx:6f1d2c1e-7a4b-4f3a-9d1e-2b9f0c3a8e51/1#scan-engine"));

    let supplier = std::fs::read(
        common::root().join("fixtures/linked/cyclonedx/northwind-threat-suite.cdx.json"),
    )
    .unwrap_or_default();
    let run = bomvet_with(
        &["scan", product, "-", "--format", "json"],
        Some(&supplier),
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let kav = restricted(&r);
    assert_eq!(kav.len(), 1);
    assert_eq!(kav[0]["component"]["written_in"], "-");
    assert_eq!(input(&r, "-")["joined_into"], product);
}

/// Joined findings are rendered with their file in every format a person reads, and SARIF
/// points at the supplier's file.
#[test]
fn joined_findings_in_reports() {
    let sarif = bomvet(&["scan", "fixtures/linked/spdx", "--format", "sarif"]).json();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter().any(|u| u.ends_with("northwind-av-engine.spdx")),
        "{uris:?}"
    );
    let human = bomvet(&["scan", "fixtures/linked/spdx"]);
    assert!(human
        .stdout
        .contains("written in: fixtures/linked/spdx/northwind-av-engine.spdx"));
    assert!(human
        .stdout
        .contains("joined into fixtures/linked/spdx/edge-router.spdx.json"));
    let md = bomvet(&["scan", "fixtures/linked/spdx", "--format", "markdown"]);
    assert!(
        md.stdout
            .contains(r"(written in fixtures\/linked\/spdx\/northwind\-av\-engine\.spdx)"),
        "{}",
        md.stdout
    );
    let csv = bomvet(&["scan", "fixtures/linked/spdx", "--format", "csv"]);
    assert!(csv
        .stdout
        .contains("fixtures/linked/spdx/northwind-av-engine.spdx"));
}

/// A real pair from spdx/spdx-examples (example 6): the Go binary's SBOM names the Go
/// distribution's SBOM as `DocumentRef-go-lib` and relates to its packages; given together, the
/// library's packages are audited in the binary's report, reachable from it.
#[test]
fn spdx_examples_example6_tag_value_pair() {
    let r = bomvet(&[
        "scan",
        "fixtures/corpus/spdx-tv/spdx-examples",
        "--format",
        "json",
        "--list-dependents",
    ])
    .json();
    let bin = input(
        &r,
        "fixtures/corpus/spdx-tv/spdx-examples/example6-bin.spdx",
    );
    assert_eq!(bin["status"], "audited");
    assert_eq!(bin["components"], 7, "2 of its own and 5 of the library's");
    assert_eq!(bin["linked"][0]["name"], "go-lib");
    assert_eq!(
        bin["linked"][0]["links"][0]["via"],
        "spdx-external-document-ref"
    );
    assert_eq!(
        input(
            &r,
            "fixtures/corpus/spdx-tv/spdx-examples/example6-lib.spdx"
        )["joined_into"],
        "fixtures/corpus/spdx-tv/spdx-examples/example6-bin.spdx"
    );
    // No reference into the library dangles any more.
    assert!(!r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["code"] == "dangling-ref"));
}
