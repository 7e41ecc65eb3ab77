//! Generated SBOMs (bomvet-gen) against their truth files: every planted component is found with
//! its entity and severity, no decoy is flagged, every cycle is reported, and every component is
//! accounted for. Small sizes here; `make bench` runs the large ones.

use std::path::Path;

use bomvet_audit::{AuditOptions, Auditor, Code};
use bomvet_gen::{Format, Options};
use bomvet_policy::Policy;

fn check(format: Format, components: usize, seed: u64) {
    let mut bytes = Vec::new();
    let truth = bomvet_gen::generate(
        &Options {
            components,
            seed,
            format,
            plants: true,
        },
        &mut bytes,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = format!("gen.{}", format.extension());
    let path = Path::new(&path);
    let validation = bomvet_validate::validate(path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        validation.violations.is_empty(),
        "{format:?}: the generated document breaks its schema: {:?}",
        &validation.violations[..validation.violations.len().min(5)]
    );
    let sbom = bomvet_ingest::read_bytes(path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sbom.components.len(), truth.components);
    let policy = Policy::embedded_default();
    let audit = Auditor::new(&policy, AuditOptions::default()).audit(&sbom);
    let mut found: Vec<(String, String, String)> = audit
        .findings
        .iter()
        .filter(|f| f.code == Code::RestrictedOrigin)
        .map(|f| {
            (
                f.component.id.clone(),
                f.entity.as_ref().map(|e| e.id.clone()).unwrap_or_default(),
                f.severity.as_str().to_owned(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String, String)> = truth
        .planted
        .iter()
        .map(|p| (p.id.clone(), p.entity.clone(), p.severity.clone()))
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected, "{format:?} {components}");
    for d in &truth.decoys {
        assert!(!found.iter().any(|f| &f.0 == d), "decoy {d} flagged");
    }
    let cycles = audit
        .findings
        .iter()
        .filter(|f| f.code == Code::DependencyCycle)
        .count();
    assert_eq!(cycles, truth.cycles, "{format:?} {components}");
    let o = audit.origin;
    assert_eq!(o.matched + o.cleared + o.unknown, truth.components);
    // Every planted component has a path from the root that ends at it.
    for f in audit
        .findings
        .iter()
        .filter(|f| f.code == Code::RestrictedOrigin)
    {
        assert_eq!(
            f.path.first().map(String::as_str),
            Some(format.root_id().as_str())
        );
        assert_eq!(f.path.last(), Some(&f.component.id));
    }
}

/// CycloneDX JSON of 2,000 and 5,000 components matches its truth file.
#[test]
fn generated_cyclonedx_matches_truth() {
    check(Format::CyclonedxJson, 2_000, 7);
    check(Format::CyclonedxJson, 5_000, 8);
}

/// SPDX JSON of 2,000 and 5,000 components matches its truth file.
#[test]
fn generated_spdx_matches_truth() {
    check(Format::SpdxJson, 2_000, 7);
    check(Format::SpdxJson, 5_000, 8);
}

/// CycloneDX XML (valid against the 1.6 XSD) matches its truth file.
#[test]
fn generated_cyclonedx_xml_matches_truth() {
    check(Format::CyclonedxXml, 2_000, 7);
}

/// SPDX tag-value matches its truth file.
#[test]
fn generated_spdx_tag_value_matches_truth() {
    check(Format::SpdxTagValue, 2_000, 7);
}

/// SPDX 3 JSON-LD (valid against the 3.0.1 JSON Schema) matches its truth file, e-mail domains of
/// agents included.
#[test]
fn generated_spdx3_matches_truth() {
    check(Format::Spdx3Json, 2_000, 7);
}

/// Every encoding of one seed describes the same SBOM: same plants at the same places.
#[test]
fn encodings_agree() {
    let truths: Vec<bomvet_gen::Truth> = Format::ALL
        .iter()
        .map(|&format| {
            bomvet_gen::generate(
                &Options {
                    components: 1_500,
                    seed: 3,
                    format,
                    plants: true,
                },
                &mut std::io::sink(),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let shape = |t: &bomvet_gen::Truth| {
        (
            t.components,
            t.edges,
            t.depth,
            t.cycles,
            t.planted
                .iter()
                .map(|p| (p.kind.clone(), p.layer))
                .collect::<Vec<_>>(),
            t.decoys.len(),
        )
    };
    for t in &truths[1..] {
        assert_eq!(shape(t), shape(&truths[0]));
    }
}

/// A JSON document above `Limits::parallel_above` (4,096 components by default) has its big
/// arrays parsed on every core, a tag-value document its packages converted on every core while
/// it is scanned, and a CycloneDX XML document its components and dependencies read on every
/// core (decision 22): through the binary, the report with one thread and with
/// two is the same, byte for byte, and holds the planted findings.
#[test]
fn large_documents_scan_the_same_on_one_thread_and_two() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for format in [
        Format::CyclonedxJson,
        Format::SpdxJson,
        Format::Spdx3Json,
        Format::SpdxTagValue,
        Format::CyclonedxXml,
    ] {
        let path = dir.path().join(format!("big.{}", format.extension()));
        let mut file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
        let truth = bomvet_gen::generate(
            &Options {
                components: 6_000,
                seed: 11,
                format,
                plants: true,
            },
            &mut file,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        drop(file);
        let scan = |threads: &str| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_bomvet"))
                .arg("scan")
                .arg(&path)
                .args(["--format", "json", "--fail-on", "never", "-q"])
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(out.status.success(), "{format:?}: {out:?}");
            String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{e}"))
        };
        let (one, two) = (scan("1"), scan("2"));
        assert!(
            one == two,
            "{format:?}: the reports differ with 1 and 2 threads"
        );
        for p in &truth.planted {
            assert!(
                one.contains(&p.id),
                "{format:?}: planted {} not reported",
                p.id
            );
        }
    }
}
