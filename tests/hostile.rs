//! Hostile input: every case gets a clear error or a correct result, never a panic, a hang or
//! unbounded memory. Each file is made here (nothing large is committed).

use crate::common;

use std::io::Write;

use crate::common::{bomvet, bomvet_with, field_where, temp_file};
use serde_json::json;

fn scan_bytes(name: &str, bytes: &[u8], extra: &[&str]) -> common::Run {
    let (_d, p) = temp_file(name, bytes);
    let path = p.to_str().unwrap_or_default().to_owned();
    let mut args = vec!["scan", path.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    bomvet(&args)
}

/// Flags that make every JSON input of these tests be parsed through a buffer (decision 19).
const STREAMED: [&str; 4] = ["--stream-above", "0", "--max-schema-check-size", "0"];

fn assert_located_error(run: &common::Run, fragment: &str) {
    assert_eq!(run.code, 2, "{}", run.snapshot());
    assert!(
        run.stderr.contains(fragment),
        "expected `{fragment}` in: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// 100,000 levels of JSON arrays: refused at the parser's depth limit with line and column.
#[test]
fn deep_json_arrays() {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":"#);
    doc.push_str(&"[".repeat(100_000));
    doc.push_str(&"]".repeat(100_000));
    doc.push('}');
    let run = scan_bytes("deep.json", doc.as_bytes(), &[]);
    assert_located_error(&run, "deep.json`:1:");
    // In a field bomvet does not read, the nesting is skipped without recursion: audited.
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","x":"#);
    doc.push_str(&"[".repeat(100_000));
    doc.push_str(&"]".repeat(100_000));
    doc.push('}');
    // (It lists no components, so it passes only with `--allow-empty`, decision 34.)
    let run = scan_bytes("deep2.json", doc.as_bytes(), &["--allow-empty"]);
    assert_eq!(run.code, 0, "{}", run.snapshot());
}

/// 100,000 levels of nested components: the same, never a stack overflow.
#[test]
fn deep_nested_components() {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for _ in 0..100_000 {
        doc.push_str(r#"{"name":"x","components":["#);
    }
    for _ in 0..100_000 {
        doc.push_str("]}");
    }
    doc.push_str("]}");
    let run = scan_bytes("nest.json", doc.as_bytes(), &[]);
    assert_located_error(&run, "recursion limit exceeded");
}

/// Nesting deeper than `--max-depth` is refused with the flag to raise it.
#[test]
fn max_depth_limit() {
    let run = bomvet(&[
        "scan",
        "fixtures/demo/secureedge-ngfw.cdx.json",
        "--max-depth",
        "2",
    ]);
    assert_located_error(
        &run,
        "nested 3 levels deep, more than the limit of 2 (raise it with `--max-depth`)",
    );
}

/// `--max-components` and `--max-file-size` refuse with the flag to raise them.
#[test]
fn component_and_size_limits() {
    let run = bomvet(&[
        "scan",
        "fixtures/demo/secureedge-ngfw.cdx.json",
        "--max-components",
        "5",
    ]);
    assert_located_error(
        &run,
        "14 components, more than the limit of 5 (raise it with `--max-components`)",
    );
    let run = bomvet(&[
        "scan",
        "fixtures/demo/secureedge-ngfw.cdx.json",
        "--max-file-size",
        "1KiB",
    ]);
    assert_located_error(
        &run,
        "larger than the limit of 1024 bytes (raise it with `--max-file-size`)",
    );
    let bytes = std::fs::read(common::root().join("fixtures/demo/secureedge-ngfw.cdx.json"))
        .unwrap_or_default();
    let run = bomvet_with(&["scan", "-", "--max-file-size", "1KiB"], Some(&bytes), &[]);
    assert_located_error(&run, "`-`: larger than the limit");
    assert_eq!(
        bomvet(&[
            "scan",
            "fixtures/demo/secureedge-ngfw.cdx.json",
            "--max-file-size",
            "big"
        ])
        .code,
        2
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap_or_else(|err| panic!("{err}"));
    e.finish().unwrap_or_else(|err| panic!("{err}"))
}

/// A gzip-compressed SBOM is read; a gzip bomb stops at the decompression limit.
#[test]
fn gzip_and_gzip_bomb() {
    let demo = std::fs::read(common::root().join("fixtures/demo/secureedge-ngfw.cdx.json"))
        .unwrap_or_default();
    let run = scan_bytes("demo.cdx.json.gz", &gzip(&demo), &[]);
    assert_eq!(run.code, 1, "{}", run.snapshot());
    assert_eq!(run.json()["findings"][0]["component"]["ref"], "kav-sdk");
    // 64 MiB of zeros compresses to ~64 KiB.
    let bomb = gzip(&vec![b' '; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    let run = scan_bytes("bomb.json.gz", &bomb, &["--max-decompressed-size", "1MiB"]);
    assert_located_error(
        &run,
        "decompresses to more than 1048576 bytes (raise the limit with `--max-decompressed-size`)",
    );
    let run = scan_bytes("bad.gz", &[0x1f, 0x8b, 0x08, 0x00, 1, 2, 3], &[]);
    assert_located_error(&run, "not valid gzip");
}

/// A 200 MB string is read without trouble and simply matches nothing.
#[test]
fn huge_single_string() {
    let name = "A".repeat(200 << 20);
    let doc = format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{{"bom-ref":"x","name":"{name}","supplier":{{"name":"{name}"}}}}]}}"#
    );
    let run = scan_bytes("huge.json", doc.as_bytes(), &["--fail-on", "never", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["components"], 1);
}

/// Invalid UTF-8, NUL bytes, truncation, trailing bytes and emptiness: located errors, both when
/// the file is read whole and when it is parsed through a buffer (`--stream-above 0`).
#[test]
fn broken_bytes() {
    // (file, bytes, what the error says)
    let cases: [(&str, &[u8], &[&str]); 11] = [
        (
            "bad-utf8.json",
            b"{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"\xff\xfe\"}]}",
            &["bad-utf8.json`:1:"],
        ),
        (
            "nul.json",
            b"{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\x00b\"}]}",
            &["nul.json`:1:"],
        ),
        ("nul-only.json", &[0u8; 64], &["not a recognised SBOM format"]),
        ("empty.json", b"", &["the file is empty"]),
        ("blank.json", b"  \n\t ", &["the file is empty"]),
        (
            "cut.json",
            br#"{"bomFormat":"CycloneDX","components":[{"name":"#,
            &["EOF while parsing"],
        ),
        // The streaming SPDX 3 and XML readers fail a document broken inside an element too
        // (SPDX 3 once read such a document as one of no packages and passed it).
        (
            "cut.spdx3.json",
            br#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [{"type": "software_Package",}]}"#,
            &["cut.spdx3.json`:1:103: trailing comma"],
        ),
        (
            "cut.cdx.xml",
            b"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"><components><component type=\"library\"><name>a</nam></component></components></bom>",
            &["cut.cdx.xml`:1:"],
        ),
        // Line, JSON path and trailing bytes, in both modes.
        (
            "cut-line.json",
            b"{\"bomFormat\":\"CycloneDX\",\n\"components\":[{\"name\":",
            &["cut-line.json`:2:"],
        ),
        (
            "bad-field.spdx.json",
            b"{\"spdxVersion\": \"SPDX-2.3\", \"SPDXID\": \"SPDXRef-DOCUMENT\",\n \"packages\": [{\"SPDXID\": \"SPDXRef-a\", \"name\": \"a\", \"hasFiles\": 7}]}",
            &["bad-field.spdx.json`:2:", "(at `packages[0].hasFiles`)"],
        ),
        (
            "trailing.json",
            b"{\"bomFormat\":\"CycloneDX\",\"components\":[]} {}",
            &["trailing.json`:1:"],
        ),
    ];
    for extra in [&[][..], &STREAMED[..]] {
        for (name, bytes, expected) in cases {
            let run = scan_bytes(name, bytes, extra);
            for e in expected {
                assert_located_error(&run, e);
            }
        }
    }
}

/// A byte that is not UTF-8 in a string bomvet does not read: the audit runs, the report carries
/// a warning at the byte's line and column, and `--strict` refuses the file (exit 2) with that
/// warning and no stray separator for a document-level one; read whole or through a buffer.
#[test]
fn json_not_utf8_outside_what_is_read() {
    let bytes = b"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\n\"components\":[{\"bom-ref\":\"a\",\"name\":\"a\",\"description\":\"x\xffy\"}]}";
    for extra in [&[][..], &STREAMED[..]] {
        let args = [extra, &["--fail-on", "never"]].concat();
        let run = scan_bytes("latin1.json", bytes, &args);
        assert_eq!(run.code, 0, "{}", run.snapshot());
        let r = run.json();
        assert_eq!(r["summary"]["components"], 1);
        let warnings = field_where(
            &r["inputs"][0]["diagnostics"],
            ("level", "warning"),
            "message",
        );
        assert!(
            warnings
                .iter()
                .any(|m| m.starts_with("line 2, column 57: not UTF-8")),
            "{extra:?}: {warnings:?}"
        );
        let strict = scan_bytes("latin1.json", bytes, &[extra, &["--strict"]].concat());
        assert_located_error(&strict, "(--strict): line 2, column 57: not UTF-8");
    }
}

/// Duplicate keys: a repeated top-level key is read and warned about; a repeated field inside a
/// component is an error at its place.
#[test]
fn duplicate_json_keys() {
    let run = scan_bytes(
        "dup.json",
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"bom-ref":"a","name":"a"}],"components":[{"bom-ref":"b","name":"b"}]}"#,
        &["--fail-on", "never"],
    );
    assert_eq!(run.code, 0, "{}", run.snapshot());
    let r = run.json();
    assert_eq!(r["summary"]["components"], 2);
    assert_eq!(
        r["inputs"][0]["diagnostics"][0]["message"],
        "duplicate key `components`; every occurrence is read"
    );
    let run = scan_bytes(
        "dupfield.json",
        br#"{"bomFormat":"CycloneDX","components":[{"name":"a","name":"b"}]}"#,
        &[],
    );
    assert_located_error(&run, "duplicate field `name`");
}

/// Duplicate refs, self-loops, cycles and dangling refs are findings; nothing crashes and the
/// restricted component is still found.
#[test]
fn graph_problems_are_findings() {
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "root", "name": "p"}},
        "components": [
            {"bom-ref": "a", "name": "a", "supplier": {"name": "Acme"}},
            {"bom-ref": "a", "name": "a-again", "supplier": {"name": "Acme"}},
            {"bom-ref": "kav", "name": "kav", "supplier": {"name": "AO Kaspersky Lab"}}],
        "dependencies": [
            {"ref": "root", "dependsOn": ["a", "ghost"]},
            {"ref": "a", "dependsOn": ["a", "kav"]},
            {"ref": "kav", "dependsOn": ["root"]}]});
    let run = scan_bytes(
        "graph.json",
        &serde_json::to_vec(&doc).unwrap_or_default(),
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.snapshot());
    let r = run.json();
    let codes: Vec<&str> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str())
        .collect();
    for c in [
        "restricted-origin",
        "duplicate-ref",
        "dangling-ref",
        "dependency-cycle",
    ] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    let kav = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"] == "restricted-origin");
    assert_eq!(
        kav.map(|f| f["path"].clone()),
        Some(json!(["root", "a", "kav"]))
    );
}

/// One component with 10^6 direct dependencies: linear work, every component accounted for.
#[test]
fn million_direct_dependencies() {
    let n = 1_000_000;
    let mut doc = String::with_capacity(n * 40);
    doc.push_str(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"bom-ref":"root","name":"p"}},"components":["#);
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            r#"{{"bom-ref":"c{i}","name":"c{i}","purl":"pkg:npm/%40org/c{i}@1"}}"#
        ));
    }
    doc.push_str(r#"],"dependencies":[{"ref":"root","dependsOn":["#);
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!("\"c{i}\""));
    }
    doc.push_str("]}]}");
    let run = scan_bytes("wide.json", doc.as_bytes(), &["--fail-on", "never", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let input = &r["inputs"][0];
    assert_eq!(input["components"], n + 1);
    assert_eq!(
        input["origin"]["cleared"],
        n + 1 - input["origin"]["unknown"].as_u64().unwrap_or(0) as usize
    );
}

/// XML with entity expansion ("billion laughs") and an external entity that names a local file:
/// refused with a located error (documents with a DTD are refused), and the file is never read.
#[test]
fn xml_entity_attacks_are_inert() {
    let secret = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(secret.path(), "TOP-SECRET-MARKER").unwrap_or_else(|e| panic!("{e}"));
    let xxe = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE bom [<!ENTITY xxe SYSTEM \"file://{}\">]>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><components><component type=\"library\"><name>&xxe;</name></component></components></bom>",
        secret.path().display()
    );
    let run = scan_bytes("xxe.xml", xxe.as_bytes(), &[]);
    assert_located_error(&run, "xxe.xml`:2:1: a DTD (`<!DOCTYPE`) is not allowed");
    assert!(!run.stdout.contains("TOP-SECRET-MARKER") && !run.stderr.contains("TOP-SECRET-MARKER"));
    let mut lol = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        lol.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&lol{};", i - 1)
                .repeat(10)
                .replace("&lol0;", "&lol;")
        ));
    }
    lol.push_str("]>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><components><component><name>&lol9;</name></component></components></bom>");
    let run = scan_bytes("lol.xml", lol.as_bytes(), &[]);
    assert_located_error(&run, "lol.xml`:2:1: a DTD (`<!DOCTYPE`) is not allowed");
}

/// A batch: every file is audited or listed as failed with its reason; the counts add up.
#[test]
fn batch_accounts_for_every_file_and_component() {
    let run = bomvet(&[
        "scan",
        "fixtures",
        "--format",
        "json",
        "--fail-on",
        "never",
        "-q",
    ]);
    let r = run.json();
    let inputs = r["inputs"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        inputs.len() as u64,
        r["summary"]["inputs"].as_u64().unwrap_or(0)
    );
    let mut components = 0;
    for i in &inputs {
        match i["status"].as_str() {
            Some("audited") => {
                let o = &i["origin"];
                let sum = o["matched"].as_u64().unwrap_or(0)
                    + o["cleared"].as_u64().unwrap_or(0)
                    + o["unknown"].as_u64().unwrap_or(0);
                assert_eq!(Some(sum), i["components"].as_u64(), "{}", i["source"]);
                components += sum;
            }
            // A supplier SBOM joined into a product: its components are counted there.
            Some("joined") => {
                let into = i["joined_into"].as_str().unwrap_or_default();
                assert!(
                    inputs
                        .iter()
                        .any(|p| p["source"] == into && p["status"] == "audited"),
                    "{} joined into {into}",
                    i["source"]
                );
            }
            Some("failed" | "skipped") => assert!(
                i["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{}",
                i["source"]
            ),
            other => panic!("status {other:?}"),
        }
    }
    assert_eq!(Some(components), r["summary"]["components"].as_u64());
    assert_eq!(
        run.code, 2,
        "the two unreadable fixtures make the batch end 2"
    );
}

/// Byte-identical reports with 1, 2 and 8 threads, on a directory of many SBOMs.
#[test]
fn deterministic_across_thread_counts() {
    let runs: Vec<String> = ["1", "2", "8"]
        .iter()
        .map(|t| {
            bomvet_with(
                &[
                    "scan",
                    "fixtures",
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                    "-q",
                ],
                None,
                &[("RAYON_NUM_THREADS", t)],
            )
            .stdout
        })
        .collect();
    assert!(runs[0].len() > 10_000);
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
}

/// `--stream-above`: an input above the size is parsed through a buffer instead of held whole
/// (decision 19). The report is the same as the in-memory read's, notes included (tag-value has
/// no schema, so no "not checked" note; broken input: see `broken_bytes`), and `--strict` (which
/// checks the schema on the bytes) still reads it whole.
#[test]
fn read_through_a_buffer() {
    for file in [
        "fixtures/demo/secureedge-ngfw.cdx.json",
        "fixtures/demo/secureedge-ngfw.spdx.json",
        "fixtures/demo/secureedge-ngfw.cdx.xml",
        "fixtures/demo/secureedge-ngfw.spdx",
        "fixtures/demo/secureedge-ngfw.spdx3.json",
    ] {
        let whole = bomvet(&[
            "scan",
            file,
            "--format",
            "json",
            "--max-schema-check-size",
            "0",
        ]);
        let mut args = vec!["scan", file, "--format", "json"];
        args.extend(STREAMED);
        let streamed = bomvet(&args);
        assert_eq!(whole.code, 1, "{}", whole.snapshot());
        assert_eq!(streamed.snapshot(), whole.snapshot(), "{file}");
        let strict = bomvet(&["scan", file, "--strict", "--stream-above", "0", "-q"]);
        let strict_whole = bomvet(&["scan", file, "--strict", "-q"]);
        assert_eq!(strict.snapshot(), strict_whole.snapshot(), "{file}");
    }
}

/// A dependency chain 200,000 components long that closes into a cycle, the restricted
/// component at its far end: audited, its path shown cut with the length of the whole
/// (petgraph's recursive Tarjan SCC overflowed the stack here and aborted the process; the
/// iterative Kosaraju does not).
#[test]
fn long_dependency_chain() {
    let n = 200_000;
    let mut components: Vec<serde_json::Value> = (0..n)
        .map(|i| json!({"bom-ref": format!("c{i}"), "type": "library", "name": format!("p{i}"), "supplier": {"name": "Acme"}}))
        .collect();
    components[n - 1]["supplier"]["name"] = json!("AO Kaspersky Lab");
    let mut dependencies: Vec<serde_json::Value> = (0..n - 1)
        .map(|i| json!({"ref": format!("c{i}"), "dependsOn": [format!("c{}", i + 1)]}))
        .collect();
    dependencies.push(json!({"ref": "root", "dependsOn": ["c0"]}));
    dependencies.push(json!({"ref": format!("c{}", n - 1), "dependsOn": ["c0"]}));
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "root", "name": "fw", "type": "firmware"}},
        "components": components, "dependencies": dependencies});
    let run = scan_bytes(
        "chain.json",
        &serde_json::to_vec(&doc).unwrap_or_default(),
        &["-q"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let findings = r["findings"].as_array().cloned().unwrap_or_default();
    let kav = findings
        .iter()
        .find(|f| f["code"] == "restricted-origin")
        .cloned()
        .unwrap_or_default();
    assert_eq!(kav["path"].as_array().map(Vec::len), Some(65));
    assert_eq!(kav["path"][32], format!("... {} more ...", n + 1 - 64));
    assert_eq!(kav["path_length"], n + 1);
    assert!(kav["message"]
        .as_str()
        .is_some_and(|m| m.contains(&format!("{n} levels down"))));
    assert_eq!(kav["dependents"]["total"], n);
    assert!(findings.iter().any(|f| f["code"] == "dependency-cycle"));
}
