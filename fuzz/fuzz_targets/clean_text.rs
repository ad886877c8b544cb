//! Any text, as a page dump: cleaning must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmill::config::CleanConfig;
use newsmill::stages::clean::Cleaner;

static CLEANER: std::sync::LazyLock<Option<Cleaner>> =
    std::sync::LazyLock::new(|| Cleaner::new(&CleanConfig::default()).ok());

fuzz_target!(|data: &[u8]| {
    if let (Ok(text), Some(cleaner)) = (std::str::from_utf8(data), CLEANER.as_ref()) {
        let _ = cleaner.classify(text);
    }
});
