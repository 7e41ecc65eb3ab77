use std::path::PathBuf;

/// Why a document could not be read. Every variant names the file; parse errors also name the
/// line, column and JSON path of the offending value.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be opened or read.
    #[error("cannot read `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty or only whitespace.
    #[error("`{}`: the file is empty", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The content is not an SBOM encoding bomvet recognises.
    #[error("`{}`: not a recognised SBOM format: {reason}", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// What was seen instead.
        reason: String,
    },
    /// The document is not well-formed, or a value has a type no reader can accept.
    #[error("`{}`:{line}:{column}: {message}{}", path.display(), at_path(json_path))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// JSON path of the value, where known (`components[3].supplier`).
        json_path: String,
        /// What is wrong.
        message: String,
    },
    /// A limit was exceeded (size, decompressed size, components, depth).
    #[error("`{}`: {message}", path.display())]
    Limit {
        /// The file.
        path: PathBuf,
        /// Which limit, and the flag that raises it.
        message: String,
    },
    /// The document parsed but cannot be audited (no components could be identified, wrong
    /// `bomFormat`, ...).
    #[error("`{}`: {message}{}", path.display(), at_path(json_path))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// JSON path of the problem, where known.
        json_path: String,
        /// What is wrong.
        message: String,
    },
}

fn at_path(p: &str) -> String {
    if p.is_empty() || p == "." || p == "?" {
        String::new()
    } else {
        format!(" (at `{p}`)")
    }
}

impl IngestError {
    /// The file this error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            IngestError::Io { path, .. }
            | IngestError::Empty { path }
            | IngestError::UnknownFormat { path, .. }
            | IngestError::Parse { path, .. }
            | IngestError::Limit { path, .. }
            | IngestError::Invalid { path, .. } => path,
        }
    }
}
