//! The policy loader on arbitrary text, then compiling and matching with what it accepted.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut policy = bomvet_policy::Policy::empty();
    if policy.add_toml(std::path::Path::new("fuzz.toml"), text).is_ok() {
        let matcher = bomvet_policy::Matcher::new(&policy);
        let mut c = bomvet_model::Component::new(
            "c".into(),
            "x".into(),
            bomvet_model::Location::default(),
        );
        c.purl = Some(bomvet_model::Purl {
            value: "pkg:npm/%40x/y@1".into(),
            field: bomvet_model::Field::new("purl"),
        });
        let _ = matcher.match_component(&c);
        let _ = matcher.explain(&c);
    }
});
