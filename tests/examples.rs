//! The CI recipes in `examples/` are real: each file parses, and the bomvet commands it runs are
//! run here against the demo SBOM, exiting and writing files as the recipe expects.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(common::root().join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs a recipe's shell line with `bomvet` on PATH and `$SBOM` set to the demo, in `dir`.
fn run_line(line: &str, dir: &Path) -> i32 {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_bomvet"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap_or(Path::new(".")).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env("PATH", path)
        .env(
            "SBOM",
            common::root().join("fixtures/demo/secureedge-ngfw.cdx.json"),
        )
        .env("NO_COLOR", "1")
        .status()
        .unwrap_or_else(|e| panic!("{e}"))
        .code()
        .unwrap_or(-1)
}

/// GitHub Actions: the scan step fails the job (exit 1 on the demo) and writes the SARIF that
/// the upload step, which runs `if: always()`, sends to code scanning.
#[test]
fn github_actions_recipe() {
    let wf = yaml("examples/github-actions/bomvet.yml");
    let steps = wf["jobs"]["sbom-audit"]["steps"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let scan = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("bomvet scan"))
        .unwrap_or_else(|| panic!("no scan step"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        run_line(scan, dir.path()),
        1,
        "the job fails on the demo's finding"
    );
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
        })
        .unwrap_or_else(|| panic!("no upload step"));
    assert_eq!(upload["if"].as_str(), Some("always()"));
    let sarif_file = upload["with"]["sarif_file"].as_str().unwrap_or_default();
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(sarif_file)).unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(dir.path().join("bomvet-report.html").is_file());
    assert_eq!(wf["permissions"]["security-events"].as_str(), Some("write"));
}

/// GitLab CI: the script writes the JUnit file named in `artifacts.reports.junit`.
#[test]
fn gitlab_ci_recipe() {
    let ci = yaml("examples/gitlab-ci/.gitlab-ci.yml");
    let job = &ci["bomvet"];
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for line in job["script"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        assert_eq!(run_line(line, dir.path()), 1, "{line}");
    }
    let junit = job["artifacts"]["reports"]["junit"]
        .as_str()
        .unwrap_or_default();
    let xml = std::fs::read_to_string(dir.path().join(junit)).unwrap_or_default();
    assert!(roxmltree::Document::parse(&xml).is_ok(), "{junit} is XML");
    assert_eq!(job["artifacts"]["when"].as_str(), Some("always"));
}

/// pre-commit: the hook's entry and the example's args run, and its file pattern picks SBOMs.
#[test]
fn pre_commit_recipe() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!(hook["id"].as_str(), Some("bomvet"));
    let cfg = yaml("examples/pre-commit/.pre-commit-config.yaml");
    let args: Vec<String> = cfg["repos"][0]["hooks"][0]["args"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    let line = format!(
        "{} {} \"$SBOM\"",
        hook["entry"].as_str().unwrap_or_default(),
        args.join(" ")
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run_line(&line, dir.path()), 1, "{line}");
    let files = hook["files"].as_str().unwrap_or_default();
    let re = regex::Regex::new(files).unwrap_or_else(|e| panic!("{e}"));
    assert!(re.is_match("build/secureedge-ngfw.cdx.json"));
    assert!(re.is_match("sbom.json"));
    assert!(!re.is_match("package.json"));
}
