//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one rule per finding code with
//! help text, results with levels, the SBOM file as location (with the line of the bom-ref /
//! SPDXID where known), stable partial fingerprints, waivers as suppressions, baseline state.

use bomvet_audit::{BaselineStatus, Code, Report, Severity};
use serde_json::{json, Value};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Block => "error",
        Severity::Review | Severity::NeedsContext => "warning",
        Severity::Info => "note",
    }
}

fn rule_name(c: Code) -> String {
    c.as_str()
        .split('-')
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The SARIF log as a JSON value.
pub(crate) fn sarif(report: &Report) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            let default = match c {
                Code::RestrictedOrigin | Code::RestrictedCountry => "error",
                _ => "note",
            };
            json!({
                "id": c.as_str(),
                "name": rule_name(*c),
                "shortDescription": {"text": c.description()},
                "fullDescription": {"text": c.description()},
                "help": {
                    "text": format!("{} See the finding's evidence and legal basis; `bomvet explain SBOM COMPONENT` shows every identifier tried.", c.description()),
                    "markdown": format!("{}\n\nSee the finding's evidence and legal basis; `bomvet explain SBOM COMPONENT` shows every identifier tried.", c.description()),
                },
                "defaultConfiguration": {"level": default},
                "properties": {"tags": ["supply-chain", "sbom", "security"]},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
            let mut region = json!({"startLine": f.component.line.unwrap_or(1)});
            if f.component.line.is_none() {
                region["message"] = json!({"text": "line not known; see the logical location"});
            }
            let mut text = f.message.clone();
            if let Some(e) = &f.entity {
                text.push_str(&format!(". Entity: {}.", e.name));
            }
            let basis: Vec<String> = f.legal_basis()
                .map(|r| format!("{} ({})", r.id, r.citation.as_deref().unwrap_or(&r.title)))
                .collect();
            if !basis.is_empty() {
                text.push_str(&format!(" Legal basis: {}.", basis.join("; ")));
            }
            if !f.path.is_empty() {
                text.push_str(&format!(" Path: {}.", f.path.join(" -> ")));
            }
            let mut r = json!({
                "ruleId": f.code.as_str(),
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(f.component.file(&f.source))},
                        "region": region,
                    },
                    "logicalLocations": [{
                        "fullyQualifiedName": f.component.location,
                        "name": f.component.id,
                        "kind": "object",
                    }],
                }],
                "partialFingerprints": {"bomvet/v1": f.fingerprint},
                "properties": {
                    "severity": f.severity.as_str(),
                    "component": f.component,
                    "entity": f.entity,
                    "confidence": f.confidence,
                    "evidence": f.evidence,
                    "path": f.path,
                    "pathCount": f.path_count,
                },
            });
            if let Some(w) = &f.waiver {
                r["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("{} (approved by {}, until {}; {})", w.reason, w.approver, w.expires, w.location),
                }]);
            }
            if let Some(b) = f.baseline {
                r["baselineState"] = json!(match b {
                    BaselineStatus::New => "new",
                    BaselineStatus::Existing => "unchanged",
                    BaselineStatus::Raised => "updated",
                });
            }
            r
        })
        .collect();
    // What stopped or failed the run apart from findings: unreadable inputs (errors), and
    // inputs that fail the gate by themselves (no components, unknown-origin limit).
    let notice = |level: &str, source: &str, text: String| {
        json!({
            "level": level,
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(source)}}}],
        })
    };
    let mut notifications: Vec<Value> = report
        .inputs
        .iter()
        .filter(|i| i.status == "failed")
        .map(|i| {
            notice(
                "error",
                &i.source,
                i.error
                    .clone()
                    .unwrap_or_else(|| "could not be read".into()),
            )
        })
        .collect();
    notifications.extend(
        crate::input_failures(&report.verdict)
            .map(|(s, _, why)| notice("error", s, format!("`{s}`: {why}"))),
    );
    let mut invocation = json!({
        "executionSuccessful": report.verdict.exit_code != 2,
        "exitCode": report.verdict.exit_code,
    });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "informationUri": "https://github.com/bomvet/bomvet",
                "rules": rules,
                "properties": {"policy": report.tool.policy, "policyDate": report.tool.policy_date},
            }},
            "invocations": [invocation],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    })
}

/// A relative path as a URI reference: forward slashes, spaces and other reserved characters
/// percent-encoded.
fn uri(path: &str) -> String {
    let mut o = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}
