//! Policy behaviour end to end: the policy schema, country rules, policy files.

use crate::common;

use std::path::Path;

use crate::common::bomvet;
use bomvet_audit::{AuditOptions, Auditor, Code, Severity};
use bomvet_policy::Policy;
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
            .map(|e| format!("{e} at {}", e.instance_path()))
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

/// Every kind of policy problem is reported, located, with a message that says what to fix.
#[test]
fn each_policy_error_is_located() {
    let head =
        "[[list]]\nid = \"l\"\ntitle = \"t\"\nreaches-embedded = true\nseverity = \"block\"\n\n";
    let cases: &[(&str, &str)] = &[
        ("[[entity]]\nid = \"E\"\nlists = [\"l\"]\nlegal-names = [\"A\"]\n", "8:6: entity id `E` must be lowercase"),
        ("[[entity]]\nid = \"e\"\nlists = [\"nope\"]\nlegal-names = [\"A\"]\n", "9:10: `lists` names list `nope`"),
        ("[[entity]]\nid = \"e\"\nlists = [\"l\"]\n", "8:6: entity `e` has no identifiers"),
        ("[[entity]]\nid = \"e\"\nlists = [\"l\"]\ndomains = [\"https://x.invalid/\"]\n", "10:12: domain `https://x.invalid/` must be a bare host name"),
        ("[[entity]]\nid = \"e\"\nlists = [\"l\"]\npurl-namespaces = [\"maven/com.x\"]\n", "10:20: purl namespace `maven/com.x` must look like `pkg:TYPE/NAMESPACE`"),
        ("[[entity]]\nid = \"e\"\nlists = [\"l\"]\npurl-namespaces = [\"pkg:npm/*x\"]\n", "`*` is allowed only at the end"),
        ("[[entity]]\nid = \"e\"\nlists = [\"l\"]\ndomains = [{ value = \"x.invalid\", max-severity = \"info\" }]\n", "10:12: `max-severity` needs a `reason`"),
        ("[[entity]]\nid = \"e\"\nlists = [\"l\"]\npurpose-limited = [\"l2\"]\nlegal-names = [\"A\"]\n", "`purpose-limited` names list `l2`"),
        ("[[entity]]\nid = \"e\"\nlists = [\"l\"]\ncountries = [\"China\"]\nlegal-names = [\"A\"]\n", "`China` is not an ISO 3166-1 alpha-2 country code"),
        ("[[entity]]\nid = \"e\"\nlists = [\"l\"]\nlegal-names = [\"A\"]\nlegal_names = [\"B\"]\n", "unknown field `legal_names`"),
        ("[[list]]\nid = \"l\"\ntitle = \"again\"\nreaches-embedded = true\nseverity = \"block\"\n", "list `l` is defined twice in this file"),
    ];
    for (body, expected) in cases {
        let text = format!("{head}{body}");
        let err = Policy::empty()
            .add_toml(Path::new("p.toml"), &text)
            .map(|()| String::from("loaded without error"))
            .unwrap_or_else(|e| e.to_string());
        assert!(
            err.contains(expected),
            "expected `{expected}` in:\n{err}\n--- policy:\n{text}"
        );
        assert!(err.starts_with("`p.toml`:"), "{err}");
    }
}

/// An identifier claimed by two entities is a warning, not silence.
#[test]
fn overlapping_identifiers_warn() {
    let mut p = Policy::embedded_default();
    p.add_toml(
        Path::new("o.toml"),
        "[[entity]]\nid = \"reseller\"\nlists = [\"us-ndaa19-s889\"]\ndomains = [\"huawei.com\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        p.warnings
            .iter()
            .any(|w| w
                .contains("domain `huawei.com` is claimed by entities `huawei` and `reseller`")),
        "{:?}",
        p.warnings
    );
}

/// Confidence per evidence kind: organisation identity, CPE and purl are strong; domains,
/// aliases, native names and authors medium; product and file names weak.
#[test]
fn confidence_per_evidence_kind() {
    use bomvet_audit::Confidence::{Medium, Strong, Weak};
    let cases = vec![
        (
            json!({"supplier": {"name": "Huawei Technologies Co., Ltd."}}),
            Strong,
        ),
        (json!({"cpe": "cpe:2.3:a:huawei:x:1:*:*:*:*:*:*:*"}), Strong),
        (json!({"purl": "pkg:maven/com.huawei.hms/push@6.0"}), Strong),
        (
            json!({"supplier": {"name": "Team", "url": ["https://consumer.huawei.com"]}}),
            Medium,
        ),
        (json!({"supplier": {"name": "华为"}}), Medium),
        (
            json!({"authors": [{"name": "Huawei Technologies Co., Ltd."}]}),
            Medium,
        ),
        (json!({"supplier": {"name": "ZTE"}, "name": "x"}), Strong),
        (json!({"name": "Hik-Connect"}), Weak),
        (json!({"name": "libhcnetsdk.so"}), Weak),
    ];
    let policy = Policy::embedded_default();
    for (fields, expected) in cases {
        let mut c = json!({"bom-ref": "c", "type": "library", "name": "component"});
        for (k, v) in fields.as_object().into_iter().flatten() {
            c[k] = v.clone();
        }
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [c]});
        let f: Vec<_> = audit_with(&policy, &doc)
            .into_iter()
            .filter(|f| f.code == Code::RestrictedOrigin)
            .collect();
        assert_eq!(f.len(), 1, "{fields}: {f:#?}");
        assert_eq!(f[0].confidence, Some(expected), "{fields}");
    }
}
