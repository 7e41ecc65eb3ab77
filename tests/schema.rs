//! The JSON report is a contract: every report bomvet writes validates against the committed
//! `schemas/report.schema.json`, and the same product in CycloneDX and SPDX gives the same
//! findings.

use crate::common;

use crate::common::bomvet;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(common::root().join("schemas/report.schema.json"))
        .unwrap_or_else(|e| panic!("schema: {e}"));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

fn assert_valid(v: &jsonschema::Validator, args: &[&str]) {
    let run = bomvet(args);
    let report = run.json();
    let errors: Vec<String> = v
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{args:?}:\n{}", errors.join("\n"));
}

/// Reports of findings, clean files, failed inputs and graph problems all validate.
#[test]
fn reports_validate_against_committed_schema() {
    let v = validator();
    let cases: &[&[&str]] = &[
        &["scan", "fixtures/linked", "--format", "json"],
        &[
            "scan",
            "fixtures/demo/secureedge-ngfw.cdx.json",
            "--format",
            "json",
            "--list-dependents",
        ],
        &[
            "scan",
            "fixtures/demo/secureedge-ngfw.spdx.json",
            "--format",
            "json",
            "--timestamp",
            "2026-01-01T00:00:00Z",
        ],
        &[
            "scan",
            "fixtures/corpus/spdx-json/spdx-tools-golang/spdx-null-relationships.json",
            "--format",
            "json",
        ],
        &[
            "scan",
            "fixtures/corpus/cyclonedx-json/dependency-track/dtrack-bom-invalid.json",
            "--format",
            "json",
        ],
        &[
            "scan",
            "fixtures/corpus",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        // A path shown cut and products listed up to 20 (`path_length`, `root_count`).
        &[
            "scan",
            "fixtures/hostile/deep-shared.cdx.json",
            "--format",
            "json",
        ],
    ];
    for args in cases {
        assert_valid(&v, args);
    }
}

/// The schema rejects a report that breaks the contract (so the test above can fail).
#[test]
fn schema_rejects_a_finding_without_path() {
    let v = validator();
    let run = bomvet(&[
        "scan",
        "fixtures/demo/secureedge-ngfw.cdx.json",
        "--format",
        "json",
    ]);
    let mut report = run.json();
    if let Some(f) = report["findings"][0].as_object_mut() {
        f.remove("path");
    }
    assert!(!v.is_valid(&report));
}

/// The same appliance written as CycloneDX JSON and XML (1.6), SPDX JSON, YAML and tag-value (2.3)
/// and SPDX 3.0.1 JSON-LD gives the same restricted findings in every pair: entity, severity,
/// component and path.
#[test]
fn same_product_same_findings_across_formats() {
    let key = |file: &str| -> Vec<(String, String, String, Vec<String>)> {
        let r = bomvet(&["scan", file, "--format", "json"]).json();
        r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"] == "restricted-origin")
            .map(|f| {
                (
                    f["entity"]["id"].as_str().unwrap_or_default().to_owned(),
                    f["severity"].as_str().unwrap_or_default().to_owned(),
                    f["component"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    f["path_names"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_str().map(str::to_owned))
                        .collect(),
                )
            })
            .collect()
    };
    let encodings = [
        "fixtures/demo/secureedge-ngfw.cdx.json",
        "fixtures/demo/secureedge-ngfw.cdx.xml",
        "fixtures/demo/secureedge-ngfw.spdx.json",
        "fixtures/demo/secureedge-ngfw.spdx",
        "fixtures/demo/secureedge-ngfw.spdx3.json",
        "fixtures/demo/secureedge-ngfw.spdx.yaml",
    ];
    let all: Vec<_> = encodings.iter().map(|f| key(f)).collect();
    assert_eq!(all[0].len(), 2);
    // Every pair of encodings gives the same findings.
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate().skip(i + 1) {
            assert_eq!(a, b, "{} vs {}", encodings[i], encodings[j]);
        }
    }
}
