//! Fitting where people work: `--help` of every subcommand (snapshotted, each with examples),
//! `bomvet.toml` discovery and overrides, `bomvet init`, completions, the man page, JSON logs.

use crate::common;

use std::process::{Command, Stdio};

use crate::common::{bomvet, bomvet_with};

const DEMO: &str = "fixtures/demo/secureedge-ngfw.cdx.json";

fn demo_abs() -> String {
    common::root().join(DEMO).display().to_string()
}

/// Runs bomvet in `dir`.
fn bomvet_in(dir: &std::path::Path, args: &[&str]) -> common::Run {
    let out = Command::new(env!("CARGO_BIN_EXE_bomvet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every subcommand's `--help` is snapshotted and shows examples.
#[test]
fn help_of_every_subcommand() {
    let subcommands: &[&[&str]] = &[
        &[],
        &["scan"],
        &["explain"],
        &["diff"],
        &["validate"],
        &["init"],
        &["completions"],
        &["man"],
        &["policy"],
        &["policy", "show"],
        &["policy", "check"],
    ];
    for sub in subcommands {
        let mut args: Vec<&str> = sub.to_vec();
        args.push("--help");
        let run = bomvet(&args);
        assert_eq!(run.code, 0, "{args:?}");
        if !sub.is_empty() {
            assert!(run.stdout.contains("Examples:"), "{args:?} has no examples");
        }
        let name = if sub.is_empty() {
            "help".to_owned()
        } else {
            format!("help_{}", sub.join("_"))
        };
        insta::assert_snapshot!(name, run.stdout);
    }
}

/// `bomvet.toml` is found from a subdirectory upward; its settings apply, and flags override.
#[test]
fn config_is_discovered_and_overridden() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("bomvet.toml"),
        "[scan]\nfail-on = \"never\"\nformat = \"json\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
    let run = bomvet_in(&sub, &["scan", &demo_abs()]);
    assert_eq!(
        run.code, 0,
        "fail-on = never from the config: {}",
        run.stderr
    );
    assert_eq!(run.json()["verdict"]["fail_on"], "never");
    let run = bomvet_in(
        &sub,
        &[
            "scan",
            &demo_abs(),
            "--fail-on",
            "block",
            "--format",
            "human",
        ],
    );
    assert_eq!(run.code, 1, "the flag overrides the config");
    assert!(run.stdout.contains("FAIL"));
    let run = bomvet_in(&sub, &["scan", &demo_abs(), "--no-config"]);
    assert_eq!(run.code, 1);
}

/// An unknown key in `bomvet.toml` is an error at its line and column.
#[test]
fn config_unknown_key_is_located() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("bomvet.toml"),
        "[scan]\nfail-on = \"review\"\nfial-on = \"x\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = bomvet_in(dir.path(), &["scan", &demo_abs()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("bomvet.toml`:3:1: unknown field `fial-on`"),
        "{}",
        run.stderr
    );
}

/// `bomvet init` writes a config, policy and waiver file that work as they are, and refuses to
/// overwrite them.
#[test]
fn init_writes_working_starter_files() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = bomvet_in(dir.path(), &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for f in ["bomvet.toml", "bomvet-policy.toml", "bomvet-waivers.toml"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    let check = bomvet_in(dir.path(), &["policy", "check", "bomvet-policy.toml"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let scan = bomvet_in(dir.path(), &["scan", &demo_abs()]);
    assert_eq!(scan.code, 1, "{}", scan.stderr);
    assert_eq!(
        bomvet_in(dir.path(), &["init"]).code,
        2,
        "no overwrite without --force"
    );
    assert_eq!(bomvet_in(dir.path(), &["init", "--force"]).code, 0);
}

/// Completions for every shell, and the man page.
#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = bomvet(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("bomvet") && run.stdout.contains("fail-on"),
            "{shell}"
        );
    }
    let man = bomvet(&["man"]);
    assert!(man.stdout.contains(".TH bomvet 1"), "roff header");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = bomvet(&["man", "--out-dir", dir.path().to_str().unwrap_or_default()]);
    assert_eq!(run.code, 0);
    assert!(dir.path().join("bomvet-scan.1").is_file());
}

/// `--log-format json` writes messages as JSON lines on stderr; data stays on stdout.
#[test]
fn json_logs_on_stderr() {
    let run = bomvet_with(
        &[
            "scan",
            "no-such.json",
            "--log-format",
            "json",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2);
    let line = run.stderr.lines().next().unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(v["level"], "error");
    assert!(v["message"]
        .as_str()
        .unwrap_or_default()
        .contains("no-such.json"));
    assert_eq!(run.json()["inputs"][0]["status"], "failed");
}
