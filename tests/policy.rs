//! Policy behaviour end to end: the policy schema, country rules, policy files.

mod common;

use std::path::Path;

use bomvet_audit::{AuditOptions, Auditor, Code, Severity};
use bomvet_policy::Policy;
use common::bomvet;
use serde_json::json;

fn policy_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(common::root().join("schemas/policy.schema.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"))
}

fn toml_as_json(text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_value(v).unwrap_or_else(|e| panic!("{e}"))
}

/// The embedded default and the example policies are valid under `schemas/policy.schema.json`.
#[test]
fn policies_validate_against_policy_schema() {
    let v = policy_validator();
    let mut files = vec![(
        "embedded default".to_owned(),
        bomvet_policy::DEFAULT_POLICY_TOML.to_owned(),
    )];
    for e in std::fs::read_dir(common::root().join("examples/policies"))
        .unwrap_or_else(|e| panic!("{e}"))
    {
        let p = e.unwrap_or_else(|e| panic!("{e}")).path();
        files.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).unwrap_or_default(),
        ));
    }
    for (name, text) in files {
        let doc = toml_as_json(&text);
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
}

/// The schema rejects what the loader rejects: an unknown key, a bad severity.
#[test]
fn policy_schema_rejects_unknown_keys() {
    let v = policy_validator();
    assert!(!v.is_valid(&toml_as_json("[[list]]\nid = \"a\"\ntitle = \"t\"\nreaches-embedded = true\nseverity = \"block\"\nsevrity = \"x\"\n")));
    assert!(!v.is_valid(&toml_as_json(
        "[[list]]\nid = \"a\"\ntitle = \"t\"\nreaches-embedded = true\nseverity = \"blocker\"\n"
    )));
}

fn audit_with(policy: &Policy, doc: &serde_json::Value) -> Vec<bomvet_audit::Finding> {
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    let sbom =
        bomvet_ingest::read_bytes(Path::new("t.json"), &bytes).unwrap_or_else(|e| panic!("{e}"));
    Auditor::new(policy, AuditOptions::default())
        .audit(&sbom)
        .findings
}

fn with_countries() -> Policy {
    let mut p = Policy::embedded_default();
    p.add_file(&common::root().join("examples/policies/foreign-adversaries.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    p
}

/// A declared address country, written as a name, triggers the country rule with its severity.
#[test]
fn declared_country_name_triggers_country_rule() {
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "root", "name": "p"}},
        "components": [{"bom-ref": "cam", "type": "library", "name": "video-codec",
            "supplier": {"name": "Shenzhen Example Codec Co.", "address": {"country": "China"}}}]});
    let f: Vec<_> = audit_with(&with_countries(), &doc)
        .into_iter()
        .filter(|f| f.code == Code::RestrictedCountry)
        .collect();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Review);
    assert_eq!(
        f[0].evidence[0].field,
        "components[0].supplier.address.country"
    );
    assert_eq!(f[0].evidence[0].matched, "CN");
    assert_eq!(f[0].rules[0].id, "us-15cfr791-4-foreign-adversaries");
}

/// Without a country rule a declared country is no finding; an allied country never is.
#[test]
fn country_needs_a_rule_and_a_listed_country() {
    let doc = |country: &str| {
        json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "components": [{"bom-ref": "x", "name": "lib", "supplier": {"name": "Acme", "address": {"country": country}}}]})
    };
    let default = Policy::embedded_default();
    assert!(audit_with(&default, &doc("CN"))
        .iter()
        .all(|f| f.code != Code::RestrictedCountry));
    assert!(audit_with(&with_countries(), &doc("DE"))
        .iter()
        .all(|f| f.code != Code::RestrictedCountry));
    assert!(audit_with(&with_countries(), &doc("RUS"))
        .iter()
        .any(|f| f.code == Code::RestrictedCountry));
}

/// A country taken from an entity match never outranks that match (threat intel stays info).
#[test]
fn entity_country_is_capped_by_the_entity_finding() {
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "root", "name": "p"}},
        "components": [{"bom-ref": "y", "type": "data", "name": "apt-yara-rules", "author": "Kaspersky Lab"}]});
    let f = audit_with(&with_countries(), &doc);
    let c: Vec<_> = f
        .iter()
        .filter(|f| f.code == Code::RestrictedCountry)
        .collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].severity, Severity::Info);
}

/// `policy check` accepts the example policy and reports a located problem in a broken one.
#[test]
fn policy_check_example_and_broken() {
    let ok = bomvet(&[
        "policy",
        "check",
        "examples/policies/foreign-adversaries.toml",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.snapshot());
    let (_d, p) = common::temp_file(
        "bad.toml",
        b"[[country-rule]]\nid = \"r\"\ntitle = \"t\"\ncountries = [\"Narnia\"]\nseverity = \"review\"\n",
    );
    let bad = bomvet(&["policy", "check", p.to_str().unwrap_or_default()]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("bad.toml`:4:14: `Narnia` is not an ISO 3166-1 alpha-2 country code"),
        "{}",
        bad.stderr
    );
}
