//! Reports for every audience: a snapshot per format on the demo, SARIF against the official
//! schema, JUnit as XML, hostile strings inert in every format, and the HTML report rendered by
//! headless Chromium (installed by `.ci/run`).

use crate::common;

use std::process::Command;

use crate::common::bomvet;

const DEMO: &str = "fixtures/demo/secureedge-ngfw.cdx.json";
const HOSTILE: &str = "fixtures/hostile/malicious-names.cdx.json";
const TS: &str = "2026-11-30T00:00:00Z";

fn render(file: &str, format: &str) -> String {
    let run = bomvet(&["scan", file, "--format", format, "--timestamp", TS]);
    assert!(run.code == 1, "{format}: {}", run.snapshot());
    run.stdout
}

/// Every format of the same case, snapshotted together so drift shows in review.
#[test]
fn snapshot_every_format() {
    for format in [
        "sarif", "junit", "markdown", "csv", "dot", "mermaid", "html",
    ] {
        insta::assert_snapshot!(format!("demo_{format}"), render(DEMO, format));
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(common::root().join("schemas/sarif-schema-2.1.0.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"))
}

/// SARIF validates against the official 2.1.0 schema, with a rule per code, levels, the SBOM as
/// location with the line of the bom-ref, and stable fingerprints.
#[test]
fn sarif_is_valid_and_complete() {
    let v = sarif_validator();
    // The last lists no components: it fails the run by itself (decision 34).
    const EMPTY: &str = "fixtures/conformance/cyclonedx/1.6/valid-empty-components-1.6.json";
    for file in [
        DEMO,
        HOSTILE,
        "fixtures/demo/secureedge-ngfw.spdx.json",
        EMPTY,
    ] {
        let sarif: serde_json::Value =
            serde_json::from_str(&render(file, "sarif")).unwrap_or_default();
        let errors: Vec<String> = v
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{file}:\n{}", errors.join("\n"));
    }
    let sarif: serde_json::Value = serde_json::from_str(&render(DEMO, "sarif")).unwrap_or_default();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(rules, bomvet_audit::Code::ALL.len());
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "restricted-origin");
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        DEMO
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        42
    );
    assert_eq!(
        r["partialFingerprints"]["bomvet/v1"].as_str().map(str::len),
        Some(32)
    );
    assert_eq!(run["results"][1]["level"], "note");
    assert!(run["invocations"][0]
        .get("toolExecutionNotifications")
        .is_none());
    // An input that fails the gate without a finding is a notification of the invocation.
    let sarif: serde_json::Value =
        serde_json::from_str(&render(EMPTY, "sarif")).unwrap_or_default();
    let note = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert_eq!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        EMPTY
    );
    assert!(note["message"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("lists no components")));
}

/// JUnit parses as XML; the gating finding is the one failure.
#[test]
fn junit_is_xml_with_one_failure() {
    let xml = render(DEMO, "junit");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(failures, 1);
    assert_eq!(doc.root_element().attribute("failures"), Some("1"));
}

/// A component name with ANSI escapes, a script tag, a formula, Markdown and Mermaid syntax,
/// quotes, a newline and a right-to-left override stays inert in every format.
#[test]
fn hostile_names_are_inert_in_every_format() {
    let raw_controls = |s: &str| {
        s.chars()
            .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202e}')
    };
    let human = render(HOSTILE, "human");
    assert!(!raw_controls(&human), "human");
    assert!(human.contains("evil\\u{1b}[31mRED"));

    let json = render(HOSTILE, "json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let name = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|f| {
            f["component"]["name"]
                .as_str()
                .filter(|n| n.starts_with("evil"))
                .map(str::to_owned)
        });
    assert!(
        name.is_some_and(|n| n.contains('\u{1b}') && n.contains('\n')),
        "JSON keeps the value exactly, escaped"
    );
    assert!(!json.contains('\u{1b}'), "JSON escapes control characters");

    let xml = render(HOSTILE, "junit");
    assert!(!raw_controls(&xml), "junit");
    assert!(roxmltree::Document::parse(&xml).is_ok(), "junit parses");
    assert!(xml.contains("&lt;script&gt;") && !xml.contains("<script>"));

    let md = render(HOSTILE, "markdown");
    assert!(!raw_controls(&md), "markdown");
    assert!(!md.contains("<script>") && md.contains("&lt;script&gt;"));
    assert!(!md.contains("](http"), "no live Markdown link");
    for line in md.lines().filter(|l| l.starts_with("| block")) {
        assert_eq!(
            line.matches(" | ").count(),
            5,
            "the table keeps its 6 cells: {line}"
        );
    }

    let html = render(HOSTILE, "html");
    assert!(!raw_controls(&html), "html");
    assert!(!html.contains("<script"), "no script element");
    assert!(html.contains("&lt;script&gt;"));

    let csv = render(HOSTILE, "csv");
    assert!(!raw_controls(&csv), "csv");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let cells: Vec<String> = rdr
        .records()
        .filter_map(Result::ok)
        .map(|r| r.get(4).unwrap_or_default().to_owned())
        .collect();
    assert!(cells.iter().any(|c| c.starts_with("'=cmd")), "{cells:?}");
    assert!(cells.iter().all(|c| !c.starts_with('=')), "{cells:?}");

    let dot = render(HOSTILE, "dot");
    assert!(!raw_controls(&dot), "dot");
    assert!(dot.contains(r#""evil\"ref<x>""#), "{dot}");

    let mermaid = render(HOSTILE, "mermaid");
    assert!(!raw_controls(&mermaid), "mermaid");
    for line in mermaid.lines().filter(|l| l.contains("[\"")) {
        assert_eq!(
            line.matches('"').count(),
            2,
            "only the label's own quotes: {line}"
        );
    }

    let sarif = render(HOSTILE, "sarif");
    assert!(!sarif.contains('\u{1b}'));
}

fn chromium() -> Command {
    let mut c = Command::new("chromium");
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    c
}

/// The HTML report opens in headless Chromium: the rendered text has the verdict, the finding,
/// the remedy and the legal basis; a screenshot is taken. Needs Debian's `chromium` (`.ci/run`
/// installs it); without it this test fails rather than pass unseen.
#[test]
fn html_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let page = dir.path().join("report.html");
    let run = bomvet(&[
        "scan",
        DEMO,
        "--timestamp",
        TS,
        "-o",
        &format!("html={}", page.display()),
    ]);
    assert_eq!(run.code, 1);
    let profile = dir.path().join("profile");
    let url = format!("file://{}", page.display());
    let dom = chromium()
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", &url])
        .output()
        .unwrap_or_else(|e| panic!("chromium must be installed (`.ci/run` installs it): {e}"));
    let text = String::from_utf8_lossy(&dom.stdout);
    for expected in [
        "FAIL: 1 finding(s) at or above block",
        "Kaspersky Anti-Virus SDK 8.0.2.77",
        "Reached only through",
        "Pub. L. 115-91 s.1634",
        "<svg",
    ] {
        assert!(text.contains(expected), "rendered DOM lacks `{expected}`");
    }
    let shot = dir.path().join("report.png");
    let out = chromium()
        .arg(format!("--user-data-dir={}", profile.display()))
        .args([
            "--window-size=1280,1800",
            &format!("--screenshot={}", shot.display()),
            &url,
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    assert_eq!(width, 1280);
    assert!(
        png.len() > 50_000,
        "a screenshot of a real page, not a blank one ({} bytes)",
        png.len()
    );
}

/// The Markdown report, the one filed with a purchase, names every input it did not audit and
/// why: the unreadable one with its place, the skipped one with its reason (it gave only the
/// count of unreadable inputs in its title, and nothing of skipped ones).
#[test]
fn markdown_names_inputs_not_audited() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let demo = std::fs::read(common::root().join(DEMO)).unwrap_or_default();
    std::fs::write(dir.path().join("product.cdx.json"), demo).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("bad.json"), b"{\"x\": 1,}").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("notes.toml"), b"[notes]\n").unwrap_or_else(|e| panic!("{e}"));
    let arg = dir.path().display().to_string();
    let run = bomvet(&["scan", &arg, "--format", "markdown"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let name = |file: &str| bomvet_report::md_escape(&dir.path().join(file).display().to_string());
    for line in [
        format!(
            "- {}: could not be read: 1\\:9\\: trailing comma",
            name("bad.json")
        ),
        format!("- {}: skipped: not an SBOM \\(", name("notes.toml")),
    ] {
        assert!(run.stdout.contains(&line), "{line}\n{}", run.stdout);
    }
    assert!(!run
        .stdout
        .contains(&format!("- {}:", name("product.cdx.json"))));
}
