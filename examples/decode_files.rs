//! Decodes files the way the source does and prints, per file, a JSON line with the encoding
//! found, how it was found, and the text: for measuring charset detection on a corpus.
//!
//! `cargo run --release --example decode_files -- [--html|--xml] FILE...`

use newsmill::stages::source::charset::{Sniff, decode};

fn main() -> std::io::Result<()> {
    let mut sniff = Sniff::Text;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--html" => sniff = Sniff::Html,
            "--xml" => sniff = Sniff::Xml,
            path => {
                let bytes = std::fs::read(path)?;
                let line = match decode(&bytes, sniff) {
                    Ok(d) => serde_json::json!({
                        "path": path,
                        "charset": d.charset.unwrap_or("UTF-8"),
                        "how": format!("{:?}", d.how),
                        "dropped_controls": d.dropped_controls,
                        "text": d.text,
                    }),
                    Err(e) => serde_json::json!({ "path": path, "error": e.to_string() }),
                };
                println!("{line}");
            }
        }
    }
    Ok(())
}
