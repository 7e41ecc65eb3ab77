//! Real SBOMs from public projects (`fixtures/corpus`, copied from the shared corpus; sources in
//! `fixtures/README.md`): each one audits (exit 0 or 1) or, where it is genuinely broken, fails
//! with a located error (exit 2). `make corpus` runs the whole shared corpus.

use crate::common;

use std::path::PathBuf;

use crate::common::bomvet;

/// Files that must fail, and a fragment of the located message each must give.
const EXPECTED_FAILURES: &[(&str, &str)] = &[
    // Not an SBOM: a SCANOSS scan result saved as *-cdx.json.
    (
        "cyclonedx-json/bom-shelter/bashrc2-sbom-cdx.json",
        "not a recognised SBOM format",
    ),
    // Truncated JSON.
    (
        "cyclonedx-json/dependency-track/dtrack-bom-invalid.json",
        "dtrack-bom-invalid.json`:2:27: EOF while parsing",
    ),
    // An XXE attack (CycloneDX core-java's own protection test): DTDs are refused.
    (
        "cyclonedx-xml/cdx-core-java/xxe-protection.xml",
        "xxe-protection.xml`:2:1: a DTD (`<!DOCTYPE`) is not allowed",
    ),
];

fn files() -> Vec<PathBuf> {
    let base = common::root().join("fixtures/corpus");
    let mut out = Vec::new();
    let mut stack = vec![base];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every fixture audits, or fails exactly as listed with a located message.
#[test]
fn every_corpus_fixture_audits_or_fails_located() {
    let all = files();
    assert!(all.len() >= 60, "fixtures/corpus has {} files", all.len());
    for path in all {
        let rel = path
            .strip_prefix(common::root().join("fixtures/corpus"))
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let arg = format!("fixtures/corpus/{rel}");
        let run = bomvet(&["scan", "-q", "--format", "json", &arg]);
        match EXPECTED_FAILURES.iter().find(|(f, _)| *f == rel) {
            Some((_, fragment)) => {
                assert_eq!(run.code, 2, "{rel} should fail:\n{}", run.snapshot());
                assert!(run.stderr.contains(fragment), "{rel}: {}", run.stderr);
            }
            None => {
                assert!(run.code == 0 || run.code == 1, "{rel}:\n{}", run.snapshot());
                let r = run.json();
                let input = &r["inputs"][0];
                assert_eq!(input["status"], "audited", "{rel}");
                // Nothing is lost: every component is matched, cleared or of unknown origin.
                let o = &input["origin"];
                let sum = o["matched"].as_u64().unwrap_or(0)
                    + o["cleared"].as_u64().unwrap_or(0)
                    + o["unknown"].as_u64().unwrap_or(0);
                assert_eq!(Some(sum), input["components"].as_u64(), "{rel}");
            }
        }
    }
}

/// The same product in three CycloneDX versions reads to the same components.
#[test]
fn laravel_in_cyclonedx_1_2_1_3_1_4_reads_alike() {
    let names = |v: &str| -> (serde_json::Value, Vec<String>) {
        let f = format!("fixtures/corpus/cyclonedx-json/bom-examples/laravel-7.12.0.bom.{v}.json");
        let r = bomvet(&["scan", "-q", "--format", "json", &f]).json();
        let mut n: Vec<String> = r["inputs"][0]["roots"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect();
        n.sort();
        (r["inputs"][0]["components"].clone(), n)
    };
    assert_eq!(names("1.2").0, 63);
    assert_eq!(names("1.2"), names("1.3"));
    assert_eq!(names("1.3"), names("1.4"));
}

/// UTF-16 and a UTF-8 byte-order mark are read.
#[test]
fn byte_order_marks_and_utf16_are_read() {
    for f in [
        "fixtures/corpus/spdx-json/spdx-tools-python/SPDXJSONExample-UTF-16.spdx.json",
        "fixtures/corpus/cyclonedx-json/cdx-core-java/bom-1.2-utf8bom.json",
    ] {
        // The CycloneDX one lists no components: read, and let pass (decision 34).
        let run = bomvet(&["scan", "-q", "--format", "json", "--allow-empty", f]);
        assert_eq!(run.code, 0, "{f}: {}", run.stderr);
        assert_eq!(run.json()["inputs"][0]["status"], "audited", "{f}");
    }
}

/// `relationships: [null, {}]` is read leniently: each odd entry becomes a located warning.
#[test]
fn null_relationships_are_warnings() {
    let r = bomvet(&[
        "scan",
        "--format",
        "json",
        "fixtures/corpus/spdx-json/spdx-tools-golang/spdx-null-relationships.json",
    ])
    .json();
    let d = &r["inputs"][0]["diagnostics"][0];
    assert_eq!(d["location"], "relationships[0]");
    assert_eq!(d["message"], "`null` relationship, skipped");
}

/// `bomvet validate`: the CycloneDX specification's conformance suite (`fixtures/conformance`,
/// every `valid-*` and `invalid-*` case of 1.0 to 1.7 and `ext/`, JSON and XML) validates or fails
/// as each name says, every violation located: a JSON path for JSON, line:column and element
/// path for XML. One call for all of them, as a user would run it.
#[test]
fn validate_conformance_cases() {
    let run = bomvet(&["validate", "fixtures/conformance", "--format", "json"]);
    assert_eq!(
        run.code, 1,
        "invalid cases make the run exit 1: {}",
        run.stderr
    );
    let results = run.json();
    let results = results.as_array().cloned().unwrap_or_default();
    let mut counts = std::collections::BTreeMap::new();
    for r in &results {
        let source = r["source"].as_str().unwrap_or_default();
        let name = source.rsplit('/').next().unwrap_or_default();
        let xml = name.ends_with(".xml");
        let valid_case = name.starts_with("valid-");
        *counts
            .entry((if xml { "xml" } else { "json" }, valid_case))
            .or_insert(0) += 1;
        if valid_case {
            assert_eq!(r["valid"], true, "{r}");
            continue;
        }
        assert_eq!(r["valid"], false, "{name} must fail: {r}");
        let violations = r["result"]["violations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!violations.is_empty(), "{name}: {r}");
        for v in &violations {
            let location = v["location"].as_str().unwrap_or_default();
            assert!(!location.is_empty(), "{name}: {v}");
        }
        if xml {
            // The XSD's violations: `11:17 /bom/components/component/hashes/hash`. (Reader
            // warnings that follow carry the JSON path of the component.)
            let line_col = |l: &str| {
                let place = l.split(' ').next().unwrap_or_default();
                place
                    .split_once(':')
                    .is_some_and(|(a, b)| a.parse::<usize>().is_ok() && b.parse::<usize>().is_ok())
            };
            assert!(
                violations
                    .iter()
                    .any(|v| line_col(v["location"].as_str().unwrap_or_default())),
                "{name}: {violations:?}"
            );
        }
    }
    assert_eq!(
        counts,
        [
            (("json", false), 139),
            (("json", true), 218),
            (("xml", false), 168),
            (("xml", true), 248)
        ]
        .into_iter()
        .collect(),
        "the suite's case counts (README)"
    );
    let run = bomvet(&[
        "validate",
        "fixtures/conformance/cyclonedx/1.6/invalid-hash-sha256-1.6.xml",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "  11:17 /bom/components/component/hashes/hash: [cvc-pattern-valid] pattern constraint violation: value 'foo'"
        ),
        "{}",
        run.stdout
    );
    let run = bomvet(&[
        "validate",
        "fixtures/conformance/cyclonedx/1.6/invalid-component-type-1.6.json",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("  components[0].type: \"foo\" is not one of"),
        "{}",
        run.stdout
    );
    assert_eq!(
        bomvet(&[
            "validate",
            "fixtures/corpus/cyclonedx-json/dependency-track/dtrack-bom-invalid.json"
        ])
        .code,
        2
    );
}

/// Every demo encoding validates; `--strict` fails a file the lenient reader only warns about.
#[test]
fn validate_demos_and_strict_scan() {
    // The demo in five encodings; SPDX 3 on a one-package document (validating SPDX 3 costs
    // seconds per element, see README).
    let run = bomvet(&[
        "validate",
        "fixtures/demo/secureedge-ngfw.cdx.json",
        "fixtures/demo/secureedge-ngfw.cdx.xml",
        "fixtures/demo/secureedge-ngfw.spdx.json",
        "fixtures/demo/secureedge-ngfw.spdx.yaml",
        "fixtures/demo/secureedge-ngfw.spdx",
        "fixtures/validate/spdx3-one-package.spdx3.json",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.snapshot());
    let results = run.json();
    assert_eq!(results.as_array().map(Vec::len), Some(6));
    assert!(
        results
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["valid"] == true),
        "{results}"
    );
    let f = "fixtures/corpus/spdx-json/spdx-tools-golang/spdx-null-relationships.json";
    assert_eq!(bomvet(&["scan", f]).code, 0);
    let strict = bomvet(&["scan", f, "--strict"]);
    assert_eq!(strict.code, 2);
    assert!(
        strict
            .stderr
            .contains("deviation(s) from the spec (--strict)"),
        "{}",
        strict.stderr
    );
}

/// Lenient reading, strict reporting: a file with an unknown field, a bad date and a license
/// that is not an SPDX id is audited, and each deviation is a warning at its JSON path; the
/// schema is checked up to `--max-schema-check-size`, SPDX 3 only on request (a note says so);
/// `--strict` turns the warnings into an error (exit 2).
#[test]
fn deviations_are_located_warnings_and_strict_errors() {
    let file = "fixtures/validate/deviations.cdx.json";
    let run = bomvet(&["scan", file, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let diags: Vec<(String, String)> = r["inputs"][0]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            assert_eq!(d["level"], "warning");
            (
                d["location"].as_str().unwrap_or_default().to_owned(),
                d["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let at = |loc: &str, needle: &str| {
        diags
            .iter()
            .any(|(l, m)| l == loc && m.starts_with("bom-1.6.schema.json: ") && m.contains(needle))
    };
    assert!(
        at("metadata.timestamp", "is not a \"date-time\""),
        "{diags:?}"
    );
    assert!(
        at("components[0]", "'buildColour' was unexpected"),
        "{diags:?}"
    );
    // The license is reported at the id that is not an SPDX identifier, not at the whole list.
    assert!(
        at(
            "components[0].licenses[0].license.id",
            "\"Apache 2\" is not one of"
        ),
        "{diags:?}"
    );
    assert_eq!(diags.len(), 3, "{diags:?}");

    let strict = bomvet(&["scan", file, "--strict"]);
    assert_eq!(strict.code, 2);
    assert!(strict
        .stderr
        .contains("3 deviation(s) from the spec (--strict)"));
    assert!(strict
        .stderr
        .contains("metadata.timestamp: bom-1.6.schema.json"));

    // Not checked above the size limit: a note, never silence.
    let big = bomvet(&[
        "scan",
        file,
        "--max-schema-check-size",
        "100",
        "--format",
        "json",
    ])
    .json();
    let d = &big["inputs"][0]["diagnostics"];
    assert_eq!(d.as_array().map(Vec::len), Some(1), "{d}");
    assert_eq!(d[0]["level"], "note");
    assert!(d[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("--max-schema-check-size")));
    // SPDX 3 is checked like the others, each violation at its element and property.
    let spdx3 = bomvet(&[
        "scan",
        "fixtures/validate/deviations.spdx3.json",
        "--format",
        "json",
    ])
    .json();
    let d = &spdx3["inputs"][0]["diagnostics"];
    let places: Vec<&str> = d
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["location"].as_str())
        .collect();
    assert_eq!(
        places,
        [
            "@graph[0].created",
            "@graph[0].created",
            "@graph[2].software_primaryPurpose"
        ],
        "{d}"
    );
    assert!(d[2]["message"]
        .as_str()
        .is_some_and(|m| m.contains("toaster")));

    // XML: the XSD's violations with line and column.
    let xml = bomvet(&[
        "scan",
        "fixtures/conformance/cyclonedx/1.6/invalid-hash-sha256-1.6.xml",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(
        xml["inputs"][0]["diagnostics"][0]["location"],
        "11:17 /bom/components/component/hashes/hash"
    );
}
