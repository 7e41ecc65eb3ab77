//! Read, audit with the default policy, build the report and render every format: whatever the
//! input, no stage panics and every renderer finishes.
#![no_main]
use std::sync::OnceLock;

use bomvet_audit::{
    AuditOptions, Auditor, FailOn, Gate, InputOutcome, Report, SbomInfo, Severity, ToolInfo,
};
use bomvet_policy::Policy;
use bomvet_report::{render, OutputFormat, RenderOptions};
use libfuzzer_sys::fuzz_target;

static POLICY: OnceLock<Policy> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let policy = POLICY.get_or_init(Policy::embedded_default);
    let Ok(sbom) = bomvet_ingest::read_bytes(std::path::Path::new("fuzz.json"), data) else {
        return;
    };
    if sbom.components.len() > 2_000 {
        return;
    }
    let audit = Auditor::new(policy, AuditOptions::default()).audit(&sbom);
    let report = Report::new(
        ToolInfo::new(policy),
        None,
        vec![InputOutcome::Audited(Box::new((SbomInfo::of(sbom), audit)))],
        Gate::fail_on(FailOn::Severity(Severity::Block)),
    );
    for format in OutputFormat::ALL {
        let mut out = Vec::new();
        let _ = render(&report, format, &RenderOptions::default(), &mut out);
    }
});
