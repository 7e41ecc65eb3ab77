//! End-to-end tests of the `bomvet` binary: exit code, stdout and stderr.

use crate::common;

use crate::common::{bomvet, bomvet_with, temp_file};

const DEMO: &str = "fixtures/demo/secureedge-ngfw.cdx.json";

/// The demo finds the Kaspersky SDK three levels down and fails the gate; human and JSON
/// reports are snapshotted together so format drift shows in review.
#[test]
fn demo_reports_kaspersky_sdk_three_levels_down() {
    let human = bomvet(&["scan", DEMO]);
    assert_eq!(human.code, 1, "{}", human.snapshot());
    insta::assert_snapshot!("demo_human", human.snapshot());
    let json = bomvet(&["scan", DEMO, "--format", "json"]);
    assert_eq!(json.code, 1);
    insta::assert_snapshot!("demo_json", json.snapshot());
}

/// The JSON names the SDK by its bom-ref, with the path from the product and the citations.
#[test]
fn demo_json_has_the_contract_fields() {
    let run = bomvet(&["scan", DEMO, "--format", "json"]);
    let r = run.json();
    let f = &r["findings"][0];
    assert_eq!(f["code"], "restricted-origin");
    assert_eq!(f["severity"], "block");
    assert_eq!(f["component"]["ref"], "kav-sdk");
    assert_eq!(f["entity"]["id"], "kaspersky");
    assert_eq!(
        f["path"],
        serde_json::json!([
            "acme-secureedge-ngfw",
            "threat-protection",
            "antivirus-module",
            "kav-sdk"
        ])
    );
    assert_eq!(f["relation"], "transitive");
    let empty = Vec::new();
    let rules: Vec<&str> = f["rules"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter(|r| r["applies"] == true && r["severity"] == "block")
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(rules, ["us-ndaa18-s1634", "us-bis-icts-kaspersky-2024"]);
    assert_eq!(r["verdict"]["exit_code"], 1);
}

/// A file that does not exist is named, and the run exits 2.
#[test]
fn missing_file_exits_2_and_names_it() {
    let run = bomvet(&["scan", "no/such/file.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read `no/such/file.json`"),
        "{}",
        run.stderr
    );
}

/// Content that is no SBOM is never a pass: exit 2 with the reason.
#[test]
fn unknown_format_fails_closed() {
    let run = bomvet(&[
        "scan",
        "fixtures/corpus/cyclonedx-json/bom-shelter/bashrc2-sbom-cdx.json",
    ]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("unknown_format", run.snapshot());
}

/// Broken JSON is reported with line and column.
#[test]
fn truncated_json_is_located() {
    let (_d, p) = temp_file(
        "cut.json",
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "a""#,
    );
    let run = bomvet(&["scan", p.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cut.json`:1:"), "{}", run.stderr);
    assert!(run.stderr.contains("EOF while parsing"), "{}", run.stderr);
}

/// A value of the wrong type is reported with its JSON path.
#[test]
fn wrong_type_names_the_json_path() {
    let (_d, p) = temp_file(
        "bad.json",
        br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"a"},{"name":"b","supplier":"Acme"}]}"#,
    );
    let run = bomvet(&["scan", p.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("(at `components[1].supplier`)"),
        "{}",
        run.stderr
    );
}

/// In a batch the bad file is reported, the others are still audited, and the run ends 2.
#[test]
fn batch_audits_good_files_despite_a_bad_one() {
    let run = bomvet(&[
        "scan",
        "fixtures/corpus/cyclonedx-json/dependency-track/dtrack-bom-invalid.json",
        DEMO,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 2);
    let r = run.json();
    assert_eq!(r["verdict"]["status"], "error");
    assert_eq!(r["inputs"][0]["status"], "failed");
    assert_eq!(r["inputs"][1]["status"], "audited");
    assert_eq!(r["findings"][0]["component"]["ref"], "kav-sdk");
    assert!(
        run.stderr.contains("dtrack-bom-invalid.json`:2:27"),
        "{}",
        run.stderr
    );
}

/// `--fail-on never` reports but passes; `--fail-on info` fails on a file with info findings.
#[test]
fn fail_on_threshold_decides_exit_code() {
    assert_eq!(bomvet(&["scan", DEMO, "--fail-on", "never"]).code, 0);
    let clean = "fixtures/corpus/spdx-json/spdx-tools-golang/spdx-null-relationships.json";
    assert_eq!(bomvet(&["scan", clean]).code, 0);
    assert_eq!(bomvet(&["scan", clean, "--fail-on", "info"]).code, 1);
}

/// Dropping the default policy without giving another fails closed.
#[test]
fn no_policy_is_never_a_pass() {
    let run = bomvet(&["scan", DEMO, "--no-default-policy"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no policy"), "{}", run.stderr);
}

/// A broken policy file stops the run with a located message.
#[test]
fn bad_policy_file_exits_2_with_location() {
    let (_d, p) = temp_file(
        "p.toml",
        b"[[entity]]\nid = \"acme\"\nlists = [\"not-a-list\"]\nlegal-names = [\"Acme\"]\n",
    );
    let run = bomvet(&["scan", DEMO, "--policy", p.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("p.toml`:3:10: `lists` names list `not-a-list`"),
        "{}",
        run.stderr
    );
}

/// A policy file adds an entity that the default does not have.
#[test]
fn policy_file_adds_an_entity() {
    let (_d, p) = temp_file(
        "ours.toml",
        br#"
[[list]]
id = "acme-banned-vendors"
title = "ACME procurement: banned vendors"
reaches-embedded = true
severity = "block"

[[entity]]
id = "jean-loup"
lists = ["acme-banned-vendors"]
legal-names = ["Jean-loup Gailly and Mark Adler"]
"#,
    );
    let run = bomvet(&[
        "scan",
        DEMO,
        "--policy",
        p.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let r = run.json();
    assert_eq!(r["summary"]["entities"]["jean-loup"], 1, "{}", run.stdout);
}

/// Standard input is read with `-`.
#[test]
fn reads_standard_input() {
    let bytes = std::fs::read(common::root().join(DEMO)).unwrap_or_default();
    let run = bomvet_with(&["scan", "-", "--format", "json"], Some(&bytes), &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["inputs"][0]["source"], "-");
}

/// A directory is searched recursively; every file is accounted for.
#[test]
fn directory_is_scanned_recursively() {
    let run = bomvet(&["scan", "fixtures", "--format", "json", "--fail-on", "never"]);
    // fixtures/ holds the demos, the corpus and the conformance suite; nine of them must fail.
    assert_eq!(run.code, 2);
    let r = run.json();
    let files = r["inputs"].as_array().map_or(0, Vec::len);
    assert!(files >= 60, "{files}");
    assert_eq!(
        r["summary"]["failed_inputs"], 9,
        "three broken corpus files and the six `invalid-bomformat-1.x.json` conformance cases"
    );
    assert_eq!(
        r["summary"]["skipped_inputs"], 1,
        "fixtures/README.md is listed as skipped"
    );
    let sources: Vec<&str> = r["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["source"].as_str())
        .collect();
    assert!(sources.contains(&"fixtures/demo/secureedge-ngfw.spdx.json"));
    let mut sorted = sources.clone();
    sorted.sort_unstable();
    assert_eq!(sources, sorted, "inputs keep a stable, sorted order");
    // The portfolio view: which products contain restricted components, and whose.
    let products = r["summary"]["products"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let demo = products
        .iter()
        .find(|p| p["source"] == "fixtures/demo/secureedge-ngfw.cdx.json")
        .unwrap_or_else(|| panic!("{products:?}"));
    assert_eq!(demo["product"], "SecureEdge NGFW 3200");
    assert_eq!(demo["entities"]["kaspersky"], "block");
    assert_eq!(demo["gating"], false, "--fail-on never");
}

/// Two runs give byte-identical output, whatever the thread count; a timestamp appears only
/// when asked for.
#[test]
fn output_is_deterministic() {
    let a = bomvet_with(
        &["scan", DEMO, "--format", "json"],
        None,
        &[("RAYON_NUM_THREADS", "1")],
    );
    let b = bomvet_with(
        &["scan", DEMO, "--format", "json"],
        None,
        &[("RAYON_NUM_THREADS", "8")],
    );
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.contains("\"timestamp\""));
    let c = bomvet_with(
        &["scan", DEMO, "--format", "json"],
        None,
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert_eq!(c.json()["timestamp"], "2023-11-14T22:13:20Z");
}

/// `--version` names the embedded policy's date.
#[test]
fn version_names_policy_date() {
    let run = bomvet(&["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout.trim(),
        format!(
            "bomvet {} (embedded policy: facts of 2026-11-29)",
            env!("CARGO_PKG_VERSION")
        )
    );
}

/// Bad arguments exit 2.
#[test]
fn bad_arguments_exit_2() {
    assert_eq!(bomvet(&["scan"]).code, 2);
    assert_eq!(bomvet(&["scan", DEMO, "--fail-on", "sometimes"]).code, 2);
    assert_eq!(bomvet(&["scan", DEMO, "-o", "xml=out.xml"]).code, 2);
}

/// `-o json=FILE` writes the JSON report next to the human one on stdout.
#[test]
fn extra_output_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("r.json");
    let spec = format!("json={}", out.display());
    let run = bomvet(&["scan", DEMO, "-o", &spec]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("BLOCK  Kaspersky Anti-Virus SDK"));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).unwrap_or_default()).unwrap_or_default();
    assert_eq!(written["findings"][0]["component"]["ref"], "kav-sdk");
}

/// `policy show` lists every instrument with its citation; `policy check` locates problems.
#[test]
fn policy_show_and_check() {
    let show = bomvet(&["policy", "show"]);
    assert_eq!(show.code, 0);
    insta::assert_snapshot!("policy_show", show.snapshot());
    let json = bomvet(&["policy", "show", "--format", "json"]);
    assert_eq!(json.json()["entities"][0]["id"], "kaspersky");
    let (_d, p) = temp_file("p.toml", b"[[list]]\nid = \"Bad Id\"\ntitle = \"t\"\nreaches-embedded = true\nseverity = \"blocker\"\n");
    let check = bomvet(&["policy", "check", p.to_str().unwrap_or_default()]);
    assert_eq!(check.code, 2);
    assert!(
        check
            .stderr
            .contains("p.toml`:5:12: unknown variant `blocker`"),
        "{}",
        check.stderr
    );
}

/// `explain` shows every identifier tried with hits and the verdict for a flagged component.
#[test]
fn explain_flagged_component() {
    let run = bomvet(&["explain", DEMO, "kav-sdk"]);
    assert_eq!(run.code, 0, "{}", run.snapshot());
    insta::assert_snapshot!("explain_kav_sdk", run.snapshot());
}

/// `explain` names the near miss that kept a decoy out: a person field, a word inside a word.
#[test]
fn explain_decoys_show_near_misses() {
    let person = bomvet(&["explain", DEMO, "av-history-notes"]);
    assert!(person.stdout.contains("near miss: contains `kaspersky` (kaspersky) but person and author fields match whole names only"), "{}", person.stdout);
    assert!(person.stdout.contains("not flagged"));
    let aztec = bomvet(&[
        "explain",
        DEMO,
        "pkg:npm/%40aztec/foundation@0.65.2",
        "--format",
        "json",
    ]);
    let v = aztec.json();
    assert_eq!(v[0]["component"]["ref"], "aztec-foundation");
    let near = v[0]["trials"][0]["near_misses"][0]
        .as_str()
        .unwrap_or_default();
    assert!(near.contains("`zte` (zte) inside a longer word"), "{near}");
}

/// An unknown component is an error with suggestions.
#[test]
fn explain_unknown_component_suggests() {
    let run = bomvet(&["explain", DEMO, "kaspersky"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("hint: did you mean `kav-sdk`"),
        "{}",
        run.stderr
    );
}

/// A directory walk over a folder of SBOMs kept in git, with a build file and the run's own
/// reports in it (decision 36): version control directories are not entered, TOML and INI
/// files (`[`), HTML pages and reports (bomvet's JSON, SARIF, JUnit) are skipped as not SBOMs, a
/// report the run writes is skipped as such, and a second run with the same `-o` audits the same
/// SBOMs; `validate` skips the same files. XML of another kind and a JSON object of no known
/// format still fail closed.
#[test]
fn directory_walk_skips_version_control_build_files_and_own_reports() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sboms = dir.path().join("sboms");
    let write = |rel: &str, bytes: &[u8]| {
        let path = sboms.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(&sboms)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{e}"));
    };
    let remove =
        |rel: &str| std::fs::remove_file(sboms.join(rel)).unwrap_or_else(|e| panic!("{e}"));
    let demo = std::fs::read(common::root().join(DEMO)).unwrap_or_default();
    write("product.cdx.json", &demo);
    write(".git/config", b"[core]\n\trepositoryformatversion = 0\n");
    // A JSON object in the git directory would fail if it were read.
    write(".git/objects/info.json", b"{\"not\": \"an sbom\"}");
    write("Cargo.toml", b"[package]\nname = \"x\"\n");
    let dir_arg = sboms.display().to_string();
    let report = |name: &str| sboms.join(name).display().to_string();
    let outputs: Vec<String> = [
        ("html", "report.html"),
        ("json", "report.json"),
        ("sarif", "report.sarif"),
        ("junit", "report.junit.xml"),
    ]
    .iter()
    .map(|(format, name)| format!("{format}={}", report(name)))
    .collect();
    let scan = |with_outputs: bool| {
        let mut args = vec!["scan", dir_arg.as_str(), "--format", "json"];
        if with_outputs {
            for o in &outputs {
                args.extend(["-o", o.as_str()]);
            }
        }
        bomvet(&args)
    };
    // Each input's name in the directory and its status, as `/name status`.
    let statuses = |r: &serde_json::Value| -> Vec<String> {
        r["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                let source = i["source"].as_str().unwrap_or_default();
                let name = source.strip_prefix(&dir_arg).unwrap_or(source);
                format!("{name} {}", i["status"].as_str().unwrap_or_default())
            })
            .collect()
    };
    let errors = |r: &serde_json::Value| -> Vec<String> {
        r["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["error"].as_str().map(str::to_owned))
            .collect()
    };
    let first = scan(true);
    assert_eq!(first.code, 1, "the demo's finding: {}", first.stderr);
    assert_eq!(
        statuses(&first.json()),
        ["/Cargo.toml skipped", "/product.cdx.json audited"]
    );
    // Again, with the four reports of the first run in the directory.
    let second = scan(true);
    assert_eq!(second.code, 1, "{}", second.stderr);
    let r = second.json();
    let reports = [
        "/report.html skipped",
        "/report.json skipped",
        "/report.junit.xml skipped",
        "/report.sarif skipped",
    ];
    let expected: Vec<&str> = ["/Cargo.toml skipped", "/product.cdx.json audited"]
        .into_iter()
        .chain(reports)
        .collect();
    assert_eq!(statuses(&r), expected);
    let errors_of_second = errors(&r);
    assert!(
        errors_of_second[1..]
            .iter()
            .all(|e| e.ends_with("a report this run writes (`-o`)")),
        "{errors_of_second:?}"
    );
    assert_eq!(r["summary"]["skipped_inputs"], 5);
    // Without `-o`, the reports of the earlier run are skipped as what they are.
    let third = scan(false);
    assert_eq!(third.code, 1, "{}", third.stdout);
    let r = third.json();
    assert_eq!(statuses(&r), expected);
    assert!(
        errors(&r)
            .iter()
            .all(|e| e.contains("not an SBOM") && e.contains("found in a directory")),
        "{r}"
    );
    // The human report says why each is skipped.
    let human = bomvet(&["scan", &dir_arg]);
    for (name, why) in [
        ("Cargo.toml", "not an SBOM (not a JSON object"),
        ("report.sarif", "not an SBOM (not a JSON object"),
    ] {
        let line = format!("{}  skipped: {why}", report(name));
        assert!(human.stdout.contains(&line), "{line}\n{}", human.stdout);
    }
    let human = bomvet(&["scan", &dir_arg, "-o", &outputs[0]]);
    let line = format!(
        "{}  skipped: a report this run writes (`-o`)\n",
        report("report.html")
    );
    assert!(human.stdout.contains(&line), "{line}\n{}", human.stdout);
    // Any other JSON object, and XML that is not CycloneDX, still fail.
    for (name, bytes) in [
        (
            "package.json",
            &b"{\"name\": \"x\", \"version\": \"1.0.0\"}"[..],
        ),
        ("pom.xml", b"<project><groupId>x</groupId></project>"),
    ] {
        write(name, bytes);
        let run = scan(false);
        assert_eq!(run.code, 2, "{name} fails: {}", run.stdout);
        assert_eq!(run.json()["summary"]["failed_inputs"], 1, "{name}");
        remove(name);
    }
    let run = bomvet(&["validate", &dir_arg]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .ends_with("6 file(s): 1 valid, 0 invalid, 0 unreadable, 5 skipped (not SBOMs)\n"),
        "{}",
        run.stdout
    );
    // With its SBOM gone, the folder holds only files that are skipped: nothing is audited,
    // which is not a pass.
    remove("product.cdx.json");
    let run = scan(false);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("no SBOM to audit: the 5 file(s) found were all skipped as not SBOMs"),
        "{}",
        run.stderr
    );
    // Named, a TOML file is not skipped: it fails.
    let toml = report("Cargo.toml");
    let run = bomvet(&["scan", &toml]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("a JSON array or a TOML/INI file, not an SBOM document"),
        "{}",
        run.stderr
    );
}
