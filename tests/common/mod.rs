//! Helpers shared by the integration tests: run the real `bomvet` binary from the repository
//! root, so paths in its output are short and stable.

#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Exit code, stdout and stderr of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The run as one text for snapshots.
    pub fn snapshot(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// The stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Runs `bomvet ARGS` in the repository root with a clean environment.
pub fn bomvet(args: &[&str]) -> Run {
    bomvet_with(args, None, &[])
}

/// Runs `bomvet ARGS` with optional stdin and extra environment variables.
pub fn bomvet_with(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bomvet"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("RAYON_NUM_THREADS")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("bomvet runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input).expect("stdin accepts the input");
    }
    let out = child.wait_with_output().expect("bomvet finishes");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `contents` to a new file in a temporary directory and returns both.
pub fn temp_file(name: &str, contents: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write temp file");
    (dir, path)
}

/// The `field` strings of the objects of the JSON array `list` whose `key` is `value`: the
/// messages of a report's findings of one code, of an input's diagnostics of one level.
pub fn field_where<'a>(
    list: &'a serde_json::Value,
    (key, value): (&str, &str),
    field: &str,
) -> Vec<&'a str> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter(|o| o[key] == value)
        .filter_map(|o| o[field].as_str())
        .collect()
}
