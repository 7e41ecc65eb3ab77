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
    let sbom =
        bomvet_ingest::read_bytes(Path::new("gen.json"), &bytes).unwrap_or_else(|e| panic!("{e}"));
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
            Some(if format == Format::CyclonedxJson {
                "root"
            } else {
                "SPDXRef-root"
            })
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
