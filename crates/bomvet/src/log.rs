//! Messages on stderr: `warning: ...` for people or one JSON object per line for machines
//! (`--log-format json`). Data goes to stdout, messages here. `-q` keeps only errors.

use std::sync::OnceLock;

use crate::cli::LogFormat;

static STATE: OnceLock<(LogFormat, bool)> = OnceLock::new();

/// Sets the format and quietness once, at start.
pub(crate) fn init(format: LogFormat, quiet: bool) {
    let _ = STATE.set((format, quiet));
}

fn emit(level: &str, message: &str) {
    let (format, quiet) = STATE.get().copied().unwrap_or((LogFormat::Text, false));
    if quiet && level != "error" {
        return;
    }
    let line = match format {
        LogFormat::Text => format!("{level}: {message}"),
        LogFormat::Json => serde_json::json!({"level": level, "message": message}).to_string(),
    };
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{line}");
    }
}

/// An error: the job could not be done (always shown).
pub(crate) fn error(message: &str) {
    emit("error", message);
}

/// A warning: something to fix that did not stop the job.
pub(crate) fn warn(message: &str) {
    emit("warning", message);
}

/// Progress information, shown only when stderr is a terminal (or as JSON for machines).
pub(crate) fn info(message: &str) {
    use std::io::IsTerminal;
    let (format, _) = STATE.get().copied().unwrap_or((LogFormat::Text, false));
    if format == LogFormat::Json || std::io::stderr().is_terminal() {
        emit("info", message);
    }
}
