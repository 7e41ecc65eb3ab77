//! The integration tests, one binary: a test binary per file compiled and linked every bomvet
//! crate into each of 13 binaries (49 s of compiling in a clean `make test` on 2 cores; one
//! binary, 16 s), and ran its file's tests alone, one binary after another. Each file is a
//! module here; `cargo test --test tests FILTER` still picks tests by module (`cli::`,
//! `hostile::`).

mod common;

mod cli;
mod corpus;
mod examples;
mod findings;
mod generated;
mod hostile;
mod integration;
mod linked;
mod planted;
mod policy;
mod properties;
mod reports;
mod schema;
