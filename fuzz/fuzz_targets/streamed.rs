//! Reading a file through a buffer (`--stream-above`, decision 19) agrees with reading it whole:
//! the same model, or the same error (a file that does not parse is left to the whole read).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("bomvet-fuzz-streamed-{}", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let limits = bomvet_ingest::Limits::default();
    let streamed = bomvet_ingest::read_streamed(&path, &limits);
    let whole = bomvet_ingest::read_bytes_with(&path, data, &limits);
    match (streamed, whole) {
        (Ok(None), _) => {}
        (Ok(Some(a)), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("through a buffer {a:?}, whole {b:?}"),
    }
});
