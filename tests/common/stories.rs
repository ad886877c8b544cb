//! Generated news for the torture harnesses: made-up stories of prose, edited copies of them
//! that dedup must find, and the messages that carry them, from a seeded generator so that a
//! failing run can be replayed.

use std::collections::HashMap;

use super::services::Msg;

/// A small deterministic generator (xorshift64*), so that a failing seed can be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "sa", "tor", "vel", "dan", "pe", "ru", "sol", "ni", "ba", "ge", "fi", "hal", "jo", "mar",
    "qui", "wen", "za", "bri", "cor", "dus", "el", "fra", "gon", "hu", "in", "kel",
];

pub fn word(rng: &mut Rng) -> String {
    (0..2 + rng.below(2)).map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize]).collect()
}

const STOP_WORDS: &[&str] = &["the", "and", "of", "to", "in", "a", "is", "was", "that", "for", "on", "with", "said"];

/// A sentence of made-up words with English function words mixed in, so that it reads as prose.
pub fn sentence(rng: &mut Rng) -> String {
    let n = 10 + rng.below(10);
    let mut s: Vec<String> = (0..n)
        .map(|i| {
            if i > 0 && rng.chance(40) {
                STOP_WORDS[rng.below(STOP_WORDS.len() as u64) as usize].to_string()
            } else {
                word(rng)
            }
        })
        .collect();
    let mut first = s[0].clone();
    first[..1].make_ascii_uppercase();
    s[0] = first;
    format!("{}.", s.join(" "))
}

/// A story: a title and paragraphs of made-up prose (every story differs from every other).
#[derive(Clone)]
pub struct Story {
    pub title: String,
    pub paragraphs: Vec<String>,
}

pub fn story(rng: &mut Rng) -> Story {
    let title = (0..6).map(|_| word(rng)).collect::<Vec<_>>().join(" ");
    let paragraphs =
        (0..3 + rng.below(3)).map(|_| (0..3).map(|_| sentence(rng)).collect::<Vec<_>>().join(" ")).collect();
    Story { title: title[..1].to_uppercase() + &title[1..], paragraphs }
}

/// The same story as republished with edits: a few words changed and a sentence added.
pub fn edited(rng: &mut Rng, s: &Story) -> Story {
    let mut out = s.clone();
    let p = rng.below(out.paragraphs.len() as u64) as usize;
    let mut words: Vec<String> = out.paragraphs[p].split(' ').map(str::to_string).collect();
    for _ in 0..2 {
        let i = 1 + rng.below(words.len() as u64 - 2) as usize;
        words[i] = word(rng);
    }
    out.paragraphs[p] = words.join(" ");
    out.paragraphs.push(sentence(rng));
    out
}

/// The story of the next document: mostly a new one, some exact copies and some edited copies of
/// earlier ones (80/10/10); its number among `stories` and its text.
pub fn pick(rng: &mut Rng, stories: &mut Vec<Story>) -> (usize, Story) {
    let roll = rng.below(100);
    if stories.is_empty() || roll < 80 {
        stories.push(story(rng));
        return (stories.len() - 1, stories[stories.len() - 1].clone());
    }
    let g = rng.below(stories.len() as u64) as usize;
    let s = if roll < 90 { stories[g].clone() } else { edited(rng, &stories[g]) };
    (g, s)
}

/// The messages to publish to a NATS stream on subjects `in.0`..`in.3`, in `parts` installments, and
/// the story of each good id (`None`: a broken message); 2% are broken.
pub fn messages(docs: usize, parts: usize, seed: u64) -> (Vec<Vec<Msg>>, HashMap<String, Option<usize>>) {
    let mut rng = Rng(seed.max(1));
    let mut stories: Vec<Story> = Vec::new();
    let mut expected = HashMap::new();
    let mut installments = vec![Vec::new(); parts.max(1)];
    let per_part = docs.div_ceil(parts.max(1));
    for n in 0..docs {
        let id = format!("d{n}");
        let payload = if rng.chance(2) {
            expected.insert(id.clone(), None);
            format!("{{\"id\": \"{id}\", \"text\": broken").into_bytes()
        } else {
            let (group, s) = pick(&mut rng, &mut stories);
            expected.insert(id.clone(), Some(group));
            serde_json::json!({ "id": id, "title": s.title, "text": s.paragraphs.join("\n\n") })
                .to_string()
                .into_bytes()
        };
        // Crawlers name their messages: the id of a document too broken to read its own.
        let headers = vec![("Nats-Msg-Id".to_string(), id.clone())];
        installments[n / per_part].push((format!("in.{}", n % 4), headers, payload));
    }
    (installments, expected)
}
