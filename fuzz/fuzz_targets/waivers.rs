//! The waiver loader on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = bomvet_audit::Waivers::parse(std::path::Path::new("fuzz.toml"), text);
    }
});
