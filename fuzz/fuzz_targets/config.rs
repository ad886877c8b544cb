//! Any text, as a config file: loading must not panic, and a config it accepts must build every
//! part that reads it (a pattern that passes validation compiles), so
//! that no problem is left for the daemon to trip on after start.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The default `[clean]` section, printed: building a cleaner is slow, so it is only built for
/// configs whose `[clean]` differs (the default one is built by the unit tests).
static DEFAULT_CLEAN: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{:?}", newsmill::config::CleanConfig::default()));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let env = |name: &str| (name == "HOME").then(|| "/home/fuzz".to_string());
    if let Ok(cfg) = newsmill::config::Config::from_toml(text, std::path::Path::new("fuzz.toml"), &env)
        && format!("{:?}", cfg.clean) != *DEFAULT_CLEAN
    {
        if let Err(e) = newsmill::stages::clean::Cleaner::new(&cfg.clean) {
            panic!("validation passed a config whose cleaner does not build: {e}");
        }
        let _ = cfg.dedup.max_age_secs();
    }
});
