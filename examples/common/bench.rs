//! Benchmark pages as the training commands read them (`../shared/bench/extraction/SET/`): each
//! page's ground-truth entry, its cross-validation group, and the document the daemon
//! makes of its file (charset, gzip, format), and the grouped folds. Shared by the training commands.

use std::path::{Path, PathBuf};

use newsmill::config::Config;
use newsmill::record::Document;
use newsmill::stages::source::reader::{Emit, Limits, read_file_once};

/// One page of a benchmark set.
pub struct BenchPage {
    /// Its entry in `ground-truth.json` (`null` when it has none).
    pub truth: serde_json::Value,
    /// The cross-validation group: the host of the page's URL (pages of one site share templates,
    /// so a fold never has a site on both sides), or the page id when the ground truth has no URL.
    pub group: String,
    /// The document, as the daemon reads the file.
    pub doc: Document,
}

/// The cross-validation fold (of `folds`) of a page's group: every page of a site in one fold.
pub fn fold_of(group: &str, folds: usize) -> usize {
    (xxhash_rust::xxh3::xxh3_64(group.as_bytes()) % folds as u64) as usize
}

/// Fold `k` of `folds` over `all`, by `group` (a site's pages fall in one fold): the items to fit
/// on, and the ones held out to score, each in `all`'s order.
pub fn split_fold<'a, T>(
    all: &[&'a T],
    k: usize,
    folds: usize,
    group: impl Fn(&T) -> &str,
) -> (Vec<&'a T>, Vec<&'a T>) {
    all.iter().partition(|t| fold_of(group(t), folds) != k)
}

/// Every page of `set`, in file-name order.
pub fn read_set(bench: &Path, set: &str) -> Result<Vec<BenchPage>, Box<dyn std::error::Error>> {
    let limits = Limits::new(&Default::default(), Config::default().dead_letter.excerpt_bytes.get());
    let dir = bench.join("extraction").join(set);
    let mut truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json"))?)?;
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir.join("pages"))?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    files.sort();
    let mut pages = Vec::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        // Page ids may contain dots themselves (`bbc.co.uk_news_01.html.gz`).
        let id = ["", ".gz"]
            .iter()
            .flat_map(|gz| [".txt", ".html", ".htm"].map(move |ext| format!("{ext}{gz}")))
            .find_map(|suffix| name.strip_suffix(&suffix))
            .unwrap_or(name);
        let mut doc = None;
        read_file_once(&file, limits, &mut |ev| {
            if let Emit::Doc(d) = ev {
                doc = Some(d);
            }
            false
        })?;
        let Some(doc) = doc else { continue };
        let truth = truth.get_mut(id).map(serde_json::Value::take).unwrap_or_default();
        let group = truth["url"]
            .as_str()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_ascii_lowercase()))
            .unwrap_or_else(|| id.to_string());
        pages.push(BenchPage { truth, group, doc });
    }
    Ok(pages)
}
