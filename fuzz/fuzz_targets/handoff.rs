//! Any bytes, as a message of the internal stream between the extract and dedup roles: reading
//! it as an article and its carried sketch must not panic (a bad one goes to the dead letter).
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmill::record::Article;
use newsmill::stages::dedup::Sketched;

fuzz_target!(|data: &[u8]| {
    if let Ok(article) = serde_json::from_slice::<Article>(data)
        && let Some(hex) = &article.sketch
    {
        let _ = Sketched::from_hex(hex, 0);
        let _ = serde_json::to_vec(&article);
    }
});
