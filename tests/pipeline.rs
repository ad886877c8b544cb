//! End-to-end tests of the `newsmill` binary on scratch directories.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Scratch, body, page, wait_for};

const SEEDLIKE: &str = include_str!("fixtures/seedlike.txt");

#[test]
fn seedlike_page_becomes_the_expected_record() {
    let s = Scratch::new("");
    s.drop_file("seedlike.txt", SEEDLIKE);
    s.run_once();
    let articles = s.articles();
    assert_eq!(articles.len(), 1);
    let a = &articles[0];
    assert_eq!(
        a["title"],
        "Seoul Unveils Plan To Put Drones Over Han River Bridges... Night Traffic Monitoring From Next Year"
    );
    assert_eq!(a["subtitle"], "City Hall Bets on Automated Patrols to Cut Response Times");
    let body = common::body(a);
    assert_eq!(body.len(), 5);
    assert!(body[0].starts_with("The Seoul Metropolitan Government announced"));
    assert!(body[1].starts_with("The city said on the 14th"));
    assert!(body[2].starts_with("Under the plan"));
    assert!(body[3].starts_with("Civic groups welcomed"));
    assert!(body[4].starts_with("Kim Min-ji"));
    assert_eq!(
        a["captions"][0]["text"],
        "A city official demonstrates a patrol drone at a briefing held at Seoul City Hall on the 13th."
    );
    assert_eq!(a["captions"][0]["credit"], "Hanbit Photo Agency");
    assert_eq!(a["publisher"], "The Han River Herald");
    assert_eq!(a["lang"], "en");
    assert_eq!(a["source"]["format"], "text");
    assert!(a["content_hash"].as_str().unwrap().len() == 32);
    assert!(a["duplicate_of"].is_null());
    let visible = format!("{} {} {}", a["title"], a["subtitle"], body.join(" "));
    for chrome in [
        "본문 바로가기",
        "bar_progress",
        "Text Size",
        "Close",
        "Special Coverage",
        "Join us on social!",
        "Top",
        "©",
        "All rights reserved",
        "Image source",
        "demonstrates a patrol drone",
    ] {
        assert!(!visible.contains(chrome), "{chrome} leaked into the article");
    }
}

#[test]
fn restart_does_not_re_emit_and_dedup_window_persists() {
    let s = Scratch::new("");
    s.drop_file("a.txt", page(1));
    s.drop_file("b.jsonl", "{\"id\":\"j1\",\"text\":\"The first line of prose is long enough to be kept, surely.\"}\n");
    s.run_once();
    assert_eq!(s.articles().len(), 2);
    s.run_once();
    assert_eq!(s.articles().len(), 2, "a restart re-emitted documents");
    // Appended JSON lines and a copy of an earlier page arrive later.
    let mut f = std::fs::OpenOptions::new().append(true).open(s.inbox().join("b.jsonl")).unwrap();
    std::io::Write::write_all(
        &mut f,
        b"{\"id\":\"j2\",\"text\":\"Another line of prose that is long enough to be kept as well.\"}\n",
    )
    .unwrap();
    s.drop_file("a-copy.txt", page(1));
    s.run_once();
    let articles = s.articles();
    assert_eq!(articles.len(), 4);
    let by_id: HashMap<&str, &serde_json::Value> = articles.iter().map(|a| (a["id"].as_str().unwrap(), a)).collect();
    assert!(by_id.contains_key("j2"));
    let first = articles.iter().find(|a| a["source"]["path"].as_str().unwrap().ends_with("a.txt")).unwrap()["id"]
        .as_str()
        .unwrap();
    let copy = articles.iter().find(|a| a["source"]["path"].as_str().unwrap().ends_with("a-copy.txt")).unwrap();
    assert_eq!(copy["duplicate_of"], first, "the dedup window did not survive the restart");
}

#[test]
fn bad_inputs_are_dead_lettered_and_the_daemon_keeps_running() {
    let s = Scratch::new("[source]\nmax_document_bytes = 20000\n");
    let mut d = s.spawn();
    s.drop_file("good.txt", page(1));
    s.drop_file("binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00");
    s.drop_file("empty.txt", b"");
    s.drop_file("huge.txt", page(2).repeat(40));
    let korean = "정부, 내년 예산안 발표\n정부는 22일 내년도 예산안을 발표하고 복지 분야 지출을 크게 늘리겠다고 밝혔다. 기획재정부는 경기 회복을 위해 재정의 역할이 중요하다고 설명했다.\n전문가들은 재정 건전성에 대한 우려도 함께 제기했다. 국회는 다음 달부터 예산안 심사에 착수할 예정이다.\n";
    let (euc_kr, _, _) = encoding_rs::EUC_KR.encode(korean);
    s.drop_file("korean.txt", &euc_kr);
    let mut lines = b"{\"id\":\"ok1\",\"text\":\"A good line of prose that is long enough to be kept here.\"}\n{\"id\":\"broken\",\"text\":\n".to_vec();
    lines.extend_from_slice(b"{\"id\":\"latin\",\"text\":\"caf\xe9 is not UTF-8 in JSON\"}\n");
    lines.extend_from_slice(
        b"{\"id\":\"ok2\",\"text\":\"Another good line of prose, long enough to be kept as well.\"}\n",
    );
    s.drop_file("mixed.jsonl", &lines);
    let done = wait_for(Duration::from_secs(60), || (s.articles().len() >= 4 && s.rejected().len() >= 5).then_some(()));
    assert!(done.is_some(), "timed out; log:\n{}", s.log());
    assert!(d.alive(), "daemon died on bad input");
    let titles: Vec<String> = s.articles().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    assert!(titles.contains(&"ok1".into()) && titles.contains(&"ok2".into()), "{titles:?}");
    let ko = s.articles().into_iter().find(|a| a["source"]["path"].as_str().unwrap().ends_with("korean.txt")).unwrap();
    assert_eq!(ko["source"]["charset"], "EUC-KR");
    assert_eq!(ko["title"], "정부, 내년 예산안 발표");
    assert_eq!(ko["lang"], "ko");
    let mut kinds: Vec<(String, String)> = s
        .rejected()
        .iter()
        .map(|r| {
            let path = r["path"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_string();
            (name, r["kind"].as_str().unwrap().to_string())
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("binary.txt".into(), "binary".into()),
            ("empty.txt".into(), "empty_file".into()),
            ("huge.txt".into(), "too_large".into()),
            ("mixed.jsonl".into(), "invalid_json".into()),
            ("mixed.jsonl".into(), "invalid_utf8".into()),
        ]
    );
    for r in s.rejected() {
        assert_eq!(r["stage"], "source");
        assert!(!r["reason"].as_str().unwrap().is_empty());
    }
    assert_eq!(d.stop(), Some(0));
}

#[test]
fn sigterm_mid_backlog_loses_nothing_and_repeats_nothing() {
    let s = Scratch::new(
        "[source]\nworkers = 1\nchannel_capacity = 2\n[clean]\nchannel_capacity = 2\n[sink]\nchannel_capacity = 2\n",
    );
    let n = 1500;
    s.write_backlog(n);
    let d = s.spawn();
    s.wait_for_first_article();
    assert_eq!(d.stop(), Some(0), "log:\n{}", s.log());
    let after_stop = s.articles().len();
    s.run_once();
    let articles = s.articles();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for a in &articles {
        *counts.entry(a["source"]["path"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(counts.len(), n, "missing documents ({} before restart)", after_stop);
    assert!(counts.values().all(|c| *c == 1), "duplicated documents");
    assert!(s.rejected().is_empty());
}

#[test]
fn daemon_picks_up_new_files_and_appended_lines() {
    let s = Scratch::new("");
    let d = s.spawn();
    s.drop_file("later.txt", page(7));
    std::fs::create_dir_all(s.inbox().join("sub/dir")).unwrap();
    std::fs::write(
        s.inbox().join("sub/dir/feed.jsonl"),
        "{\"id\":\"x1\",\"text\":\"A sentence of prose which is quite long enough to keep.\"}\n",
    )
    .unwrap();
    assert!(wait_for(Duration::from_secs(60), || (s.articles().len() == 2).then_some(())).is_some(), "{}", s.log());
    let mut f = std::fs::OpenOptions::new().append(true).open(s.inbox().join("sub/dir/feed.jsonl")).unwrap();
    std::io::Write::write_all(
        &mut f,
        b"{\"id\":\"x2\",\"text\":\"One more sentence of prose which is long enough to keep.\"}\n",
    )
    .unwrap();
    assert!(wait_for(Duration::from_secs(60), || (s.articles().len() == 3).then_some(())).is_some(), "{}", s.log());
    assert_eq!(d.stop(), Some(0));
    let log = s.log();
    assert!(log.contains("stage=\"clean\"") && log.contains("worker="), "worker spans missing from logs");
}

#[test]
fn check_reports_every_problem_with_locations() {
    let s = Scratch::new("");
    let bad = s.root().join("bad.toml");
    std::fs::write(&bad, "[source]\nsettle_ms = \"soon\"\n\n[dedup]\naction = \"maybe\"\n\n[sinkk]\n").unwrap();
    let out = s.cmd(&["check", "--config", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].contains("bad.toml:2:13") && lines[0].contains("settle_ms"), "{err}");
    assert!(lines[1].contains("bad.toml:5:10") && lines[1].contains("maybe"), "{err}");
    assert!(lines[2].contains("bad.toml:7:2") && lines[2].contains("sinkk"), "{err}");
    let ok = s.cmd(&["check", "--config", s.config.to_str().unwrap()]).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
}

#[test]
fn the_stdout_sink_writes_records_to_standard_output_and_nothing_else() {
    let s = Scratch::new("[sink]\nkind = \"stdout\"\n");
    s.write_backlog(5);
    s.drop_file("bad.jsonl", "{not json\n");
    let out = s.run_once();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(records.len(), 5, "{stdout}");
    let mut ids: Vec<&str> = records.iter().filter_map(|r| r["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    assert!(records.iter().all(|r| r["body"].as_array().is_some_and(|b| !b.is_empty())));
    // Rejections still go to their file, the run's summary and the logs to stderr.
    assert_eq!(s.rejected().len(), 1);
    assert!(!s.root().join("out/articles.jsonl").exists());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary: serde_json::Value = stderr
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok().filter(|v: &serde_json::Value| v["stages"].is_array()))
        .unwrap_or_else(|| panic!("no summary: {stderr}"));
    // It says what each stage's workers and the whole process spent of the CPU.
    let staged: u64 = summary["stages"].as_array().unwrap().iter().map(|st| st["cpu_ms"].as_u64().unwrap()).sum();
    assert!(summary["cpu_ms"].as_u64().is_some_and(|p| p > 0 && p >= staged), "{summary}");
    // What was written is committed: a second run writes nothing again.
    let again = s.run_once();
    assert!(again.stdout.is_empty(), "{}", String::from_utf8_lossy(&again.stdout));
}

#[test]
fn process_prints_records_without_state() {
    let s = Scratch::new("");
    let file = s.root().join("seed.txt");
    std::fs::write(&file, SEEDLIKE).unwrap();
    let out = s.cmd(&["process", file.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["subtitle"], "City Hall Bets on Automated Patrols to Cut Response Times");
    assert!(!s.root().join("state").exists(), "process must not write state");
}

#[test]
fn second_signal_exits_at_once_and_a_restart_still_loses_nothing() {
    let s = Scratch::new(
        "[source]\nworkers = 1\nchannel_capacity = 2\n[clean]\nchannel_capacity = 2\n[log]\nformat = \"json\"\n",
    );
    let n = 800;
    s.write_backlog(n);
    let mut d = s.spawn();
    s.wait_for_first_article();
    d.signal(libc::SIGTERM);
    d.signal(libc::SIGTERM);
    let status = wait_for(Duration::from_secs(60), || d.child.try_wait().unwrap()).expect("did not exit");
    assert!(matches!(status.code(), Some(130) | Some(0)), "{status:?}");
    // JSON logs: one object per line with the worker span's fields.
    let log = s.log();
    let first = log.lines().next().unwrap();
    let event: serde_json::Value = serde_json::from_str(first).unwrap_or_else(|e| panic!("{e}: {first}"));
    assert!(event["level"].is_string() && event["message"].is_string(), "{first}");
    assert!(log.lines().any(|l| l.contains("\"stage\":\"source\"")), "no worker span fields in JSON logs");
    s.run_once();
    let mut paths: Vec<String> =
        s.articles().iter().map(|a| a["source"]["path"].as_str().unwrap().to_string()).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), n, "documents lost after a forced exit");
}

#[test]
fn html_pages_plain_and_gzipped() {
    let s = Scratch::new("");
    let html = include_str!("fixtures/article.html");
    s.drop_file("article.html", html);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, html.replace("Drone Plan For", "Drone Scheme For").as_bytes()).unwrap();
    s.drop_file("article2.html.gz", gz.finish().unwrap());
    s.run_once();
    let mut articles = s.articles();
    articles.sort_by_key(|a| a["source"]["path"].as_str().unwrap().to_string());
    assert_eq!(articles.len(), 2, "{:?}", s.rejected());
    let a = &articles[0];
    assert_eq!(a["source"]["format"], "html");
    assert_eq!(a["title"], "Seoul Unveils Drone Plan For Han River Bridges");
    assert_eq!(a["subtitle"], "Night patrols would start with three bridges next spring");
    assert_eq!(a["body"].as_array().unwrap().len(), 2);
    assert_eq!(a["publisher"], "The Han River Herald");
    let text = a.to_string();
    for hidden in ["analytics", "trackArticleView", "font-family", "Business", "Follow us"] {
        assert!(!text.contains(hidden), "{hidden} leaked: {text}");
    }
    assert_eq!(articles[1]["title"], "Seoul Unveils Drone Scheme For Han River Bridges");
    // Same body, so whichever was processed second is a duplicate of the other.
    let dup = (&articles[0]["duplicate_of"], &articles[1]["duplicate_of"]);
    assert!((dup.0.is_null() && dup.1 == &a["id"]) || (dup.1.is_null() && dup.0 == &articles[1]["id"]), "{dup:?}");
}

/// Runs `newsmill process` on a fixture and returns its one record.
fn process_fixture(name: &str) -> serde_json::Value {
    let s = Scratch::new("");
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let out = s.cmd(&["process", &path]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut records: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 1);
    records.remove(0)
}

#[test]
fn korean_page_chrome_dateline_byline_and_copyright() {
    let a = process_fixture("korean.txt");
    assert_eq!(a["title"], "서울시, 한강 다리에 드론 순찰 도입 검토");
    assert_eq!(a["subtitle"], "야간 교통 감시 내년부터 시범 운영");
    assert_eq!(a["byline"], "김민지 기자");
    assert_eq!(a["published"], "2024-06-22T10:00:00");
    assert_eq!(a["publisher"], "한강일보");
    assert_eq!(a["lang"], "ko");
    let body = common::body(&a);
    assert_eq!(body.len(), 4, "{body:#?}");
    assert!(body[0].starts_with("서울시는 22일") && body[3].starts_with("서울연구원의"));
    let text = a.to_string();
    for chrome in
        ["본문 바로가기", "전체메뉴", "많이 본 뉴스", "공유하기", "무단전재", "관련기사", "부산시도", "맨위로"]
    {
        assert!(!a["body"].to_string().contains(chrome), "{chrome} in body: {text}");
    }
}

#[test]
fn related_lists_and_footer_menus_stay_out_of_the_body() {
    let a = process_fixture("related-list.txt");
    assert_eq!(a["title"], "Council Votes To Rebuild The Old Harbour Bridge After Years Of Delay");
    assert_eq!(a["subtitle"], "The project will close the crossing to cars for eighteen months");
    assert_eq!(a["byline"], "Jane Doe");
    assert_eq!(a["published"], "2024-06-22");
    assert_eq!(a["publisher"], "The Example Gazette");
    let body = common::body(&a);
    assert_eq!(body.len(), 5, "{body:#?}");
    assert!(body[0].starts_with("The city council voted") && body[4].starts_with("The council said"));
}

#[test]
fn a_list_articles_items_are_body_and_its_byline_is_the_name() {
    // Today's list articles: each item is a picture's text, a name, a publisher line and a paragraph.
    let a = process_fixture("list-article.txt");
    assert_eq!(a["title"], "The Best Card Games of 2025");
    // The byline line reads `by Ann Example on Dec 16, 2025 at 11:00 AM`: the date has its own field.
    assert_eq!(a["byline"], "Ann Example");
    assert_eq!(a["published"], "2025-12-16T11:00:00");
    let body = common::body(&a);
    assert!(body[0].starts_with("Even as video games"), "{body:#?}");
    for item in ["Harbour Lights asks", "Night Market is", "Tidewater lets", "Lantern Keepers is", "Old Harbour rounds"]
    {
        assert!(body.iter().any(|p| p.starts_with(item)), "{item} missing: {body:#?}");
    }
    for furniture in ["Published by", "Share", "Privacy Policy", "FacebookPost"] {
        assert!(!body.iter().any(|p| p.starts_with(furniture)), "{furniture} in body: {body:#?}");
    }
}

#[test]
fn a_table_layout_dump_loses_the_sidebar_words_beside_the_article() {
    // A text browser's dump of a page laid out in columns: a sidebar's links share the article's lines.
    let a = process_fixture("columns.txt");
    let body = common::body(&a).join("\n");
    // The line model drops "is set for Wednesday morning. • School bus" (half of it is the sidebar's);
    // the word model gives the article's half back.
    for words in [
        "rebuilt both engines, the harbour master",
        "\"We found more rust than anyone expected",
        "is set for Wednesday morning.",
    ] {
        assert!(body.contains(words), "{words:?} missing: {body}");
    }
    for sidebar in ["Council votes", "Storm closes", "School bus"] {
        assert!(!body.contains(sidebar), "{sidebar} in body: {body}");
    }
    let s = Scratch::new("");
    let path = format!("{}/tests/fixtures/columns.txt", env!("CARGO_MANIFEST_DIR"));
    let out = s.cmd(&["explain", &path]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let cut = text.lines().find(|l| l.contains("rebuilt both engines")).unwrap_or_default();
    assert!(cut.starts_with("KEEP body") && cut.contains("columns") && cut.ends_with("{-• Council votes-}"), "{text}");
}

#[test]
fn a_blogs_list_of_comments_is_not_the_article() {
    // A blog's dump: the article, then its readers' comments, each under "N. [avatar] Name says".
    let a = process_fixture("pages/blog-comments.txt");
    let body = common::body(&a).join("\n");
    for words in ["Most gardeners put the beds to sleep", "Leeks are the third", "see which one your family eats first"]
    {
        assert!(body.contains(words), "{words:?} missing: {body}");
    }
    for comment in ["wonderful in soup", "open the ends on bright days", "never thought of putting straw"] {
        assert!(!body.contains(comment), "{comment} in body: {body}");
    }
    assert_eq!(a["title"], "Three Winter Crops That Grow Under Snow");
    assert_eq!(a["page_type"], "article", "its comments do not make the post a thread");
    let s = Scratch::new("");
    let path = format!("{}/tests/fixtures/pages/blog-comments.txt", env!("CARGO_MANIFEST_DIR"));
    let out = s.cmd(&["explain", &path]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for line in
        ["1. [a41c9e2f]Helen Brandt says", "We tried the leeks last winter", "Yes, open the ends on bright days"]
    {
        let shown = text.lines().find(|l| l.contains(line)).unwrap_or_default();
        assert!(shown.starts_with("DROP") && shown.contains("comment_list"), "{line}: {text}");
    }
}

#[test]
fn explain_shows_every_line_with_its_verdict_and_reason() {
    let s = Scratch::new("");
    let path = format!("{}/tests/fixtures/seedlike.txt", env!("CARGO_MANIFEST_DIR"));
    let out = s.cmd(&["explain", &path]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line_of =
        |needle: &str| text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}: {text}"));
    assert!(line_of("본문 바로가기").starts_with("DROP") && line_of("본문 바로가기").contains("ui_label"));
    assert!(line_of("bar_progress").contains("ui_identifier"));
    assert!(line_of("| Seoul Unveils Plan").starts_with("KEEP title"));
    assert!(line_of("| City Hall Bets").starts_with("KEEP subtitle"));
    assert!(line_of("The Seoul Metropolitan Government").starts_with("KEEP body"));
    assert!(line_of("Image source").starts_with("DATA credit"));
    assert!(line_of("Join us on social").starts_with("DROP"));
    assert!(line_of("PAGE TYPE").starts_with("PAGE TYPE article"), "{text}");
    // The headline model's pick, with its score and the runner-up.
    let headline = line_of("HEADLINE");
    assert!(headline.starts_with("HEADLINE  model ") && headline.contains("\"Seoul Unveils Plan"), "{text}");
    assert!(headline.contains(", next "), "{text}");
    // Which text line model judged the page, and the chooser's probability.
    let model = line_of("MODEL");
    assert!(model.starts_with("MODEL     the ") && model.contains("chooser"), "{text}");
    let lines = text
        .lines()
        .filter(|l| {
            !l.starts_with('#')
                && !l.starts_with("PAGE TYPE")
                && !l.starts_with("HEADLINE")
                && !l.starts_with("MODEL")
                && !l.is_empty()
        })
        .count();
    let inputs = SEEDLIKE.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(lines, inputs, "every non-empty input line is explained");
}

#[test]
fn a_config_of_the_removed_site_template_learner_still_loads_and_says_so() {
    let s = Scratch::new("[clean]\ntemplates = true\ntemplate_min_docs = 3\ntemplate_min_share = 0.5\n");
    std::fs::write(s.inbox().join("p01.txt"), common::site_page(1)).unwrap();
    let out = s.run_once();
    assert_eq!(s.articles().len(), 1);
    let log = String::from_utf8_lossy(&out.stderr);
    for key in ["clean.templates", "clean.template_min_docs", "clean.template_min_share"] {
        assert!(log.contains(key) && log.contains("site-template learner"), "no warning about {key}: {log}");
    }
}

#[test]
fn japanese_page_title_date_and_body() {
    let a = process_fixture("japanese.txt");
    assert_eq!(a["title"], "東京都、隅田川の橋にドローン巡回を導入へ");
    assert_eq!(a["subtitle"], "夜間の交通監視、来年春から試験運用");
    assert_eq!(a["published"], "2024-06-22T10:30:00");
    assert_eq!(a["lang"], "ja");
    let body = common::body(&a);
    assert_eq!(body.len(), 4, "{body:#?}");
    assert!(body[0].starts_with("東京都は22日") && body[3].starts_with("都市研究所"));
}

#[test]
fn german_page_title_byline_date_publisher_and_body() {
    let a = process_fixture("german.txt");
    assert_eq!(a["title"], "Stadtrat beschließt Neubau der alten Hafenbrücke");
    assert_eq!(a["subtitle"], "Die Brücke bleibt für Autos achtzehn Monate gesperrt");
    assert_eq!(a["published"], "2024-07-20T22:13:00");
    assert_eq!(a["byline"], "Julia Becker");
    assert_eq!(a["publisher"], "Hafenzeitung");
    assert_eq!(a["lang"], "de");
    let body = common::body(&a);
    assert_eq!(body.len(), 4, "{body:#?}");
    assert!(body[0].starts_with("Der Stadtrat") && body[3].starts_with("Geschäftsleute"));
}

#[test]
fn renamed_files_are_not_read_again_and_truncated_json_lines_start_over() {
    let s = Scratch::new("");
    s.drop_file("a.txt", page(3));
    s.drop_file(
        "feed.jsonl",
        "{\"id\":\"f1\",\"text\":\"The first line of prose is long enough to be kept, surely.\"}\n",
    );
    s.run_once();
    assert_eq!(s.articles().len(), 2);
    // Same file (device and inode), new name: nothing new to read.
    std::fs::rename(s.inbox().join("a.txt"), s.inbox().join("renamed.txt")).unwrap();
    s.run_once();
    assert_eq!(s.articles().len(), 2, "a renamed file was read again");
    // Truncated and rewritten in place (copytruncate rotation): read from the start.
    std::fs::write(
        s.inbox().join("feed.jsonl"),
        "{\"id\":\"f2\",\"text\":\"After rotation a new line of prose arrived, long enough to keep.\"}\n",
    )
    .unwrap();
    s.run_once();
    let ids: Vec<String> = s.articles().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&"f2".to_string()));
}

#[test]
fn html_metadata_from_json_ld_opengraph_and_meta_tags() {
    let a = process_fixture("meta-jsonld.html");
    assert_eq!(a["title"], "Ferry Service Returns To The Islands");
    assert_eq!(a["subtitle"], "Daily crossings resume after a winter of repairs to the harbour wall");
    assert_eq!(a["byline"], "Mara Quill, Tom Reyes", "JSON-LD authors win over <meta name=author>");
    assert_eq!(a["publisher"], "Harbour Gazette");
    assert_eq!(a["published"], "2024-07-20T22:13:00+01:00");
    assert_eq!(a["updated"], "2024-07-21T08:00:00+01:00");
    assert_eq!(a["url"], "https://harbour.example/news/ferry-returns");
    assert_eq!(a["image"], "https://harbour.example/img/ferry.jpg");
    assert_eq!(a["lang"], "en");
    assert_eq!(
        a["captions"],
        serde_json::json!([{"text": "The first ferry leaves the harbour on Saturday morning.", "credit": "Jan Holm"}])
    );
    let paragraphs = body(&a);
    assert_eq!(paragraphs.len(), 4, "{paragraphs:?}");
    assert_eq!(paragraphs[2], "Timetable", "headings inside the article stay as paragraphs");
    let text = a.to_string();
    for chrome in ["Home News Sport", "More news", "Harbour festival", "Privacy", "All rights reserved"] {
        assert!(!text.contains(chrome), "{chrome} leaked: {text}");
    }

    let og = process_fixture("meta-opengraph.html");
    assert_eq!(og["title"], "Le marché couvert rouvre ses portes", "site suffix removed");
    assert_eq!((&og["byline"], &og["publisher"]), (&"Claire Dubois".into(), &"La Gazette du Port".into()));
    assert_eq!(
        (&og["published"], &og["updated"]),
        (&"2024-06-22T10:00:00+02:00".into(), &"2024-06-22T12:30:00+02:00".into())
    );
    assert_eq!(
        (&og["url"], &og["image"], &og["lang"]),
        (&"https://gazette.example/marche".into(), &"https://gazette.example/marche.jpg".into(), &"fr".into())
    );
    assert_eq!(body(&og).len(), 3);
    assert!(!og.to_string().contains("Super nouvelle"), "comments leaked");

    let tags = process_fixture("meta-tags.html");
    assert_eq!(tags["title"], "Neue Radwege für die Altstadt");
    assert_eq!((&tags["byline"], &tags["published"]), (&"Jonas Weber".into(), &"2024-05-02".into()));
    assert_eq!((&tags["url"], &tags["lang"]), (&"https://stadtbote.example/radwege".into(), &"de".into()));
    assert_eq!(body(&tags).len(), 3, "{:?}", body(&tags));
}

#[test]
fn feed_items_become_articles_and_a_rewritten_feed_yields_only_new_items() {
    let s = Scratch::new("");
    let feed = include_str!("fixtures/feed.rss");
    s.drop_file("valley.rss", feed);
    s.run_once();
    let mut articles = s.articles();
    // Workers finish in any order.
    articles.sort_by_key(|a| a["id"].as_str().unwrap().to_string());
    let ids: Vec<&str> = articles.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["valley-1001", "valley-1002", "valley-1003"], "{:?}", s.rejected());
    let a = &articles[0];
    assert_eq!(a["source"]["format"], "feed");
    assert_eq!(a["title"], "Reservoir levels rise after a week of rain");
    assert_eq!(a["url"], "https://valley.example/reservoir");
    assert_eq!(a["byline"], "Ruth Alvarez");
    assert_eq!(a["publisher"], "Valley Courier");
    assert_eq!(a["categories"], serde_json::json!(["Environment", "Water"]));
    assert!(a["published"].as_str().unwrap().starts_with("2024-06-03T08:00:00"));
    assert_eq!(a["captions"], serde_json::json!([{"text": "The dam on Sunday.", "credit": "Lee Park"}]));
    assert_eq!(body(a).len(), 2, "content:encoded wins over the teaser, share prompt dropped: {:?}", body(a));

    // The publisher rewrites the feed: the oldest item falls off, a new one comes in.
    let new_item = "<item><title>Market moves to the square</title><link>https://valley.example/market</link>\
        <guid isPermaLink=\"false\">valley-1004</guid><pubDate>Tue, 04 Jun 2024 07:00:00 GMT</pubDate>\
        <description><![CDATA[<p>The weekly farmers market will move to the town square from next month while the old hall is repaired, the organisers said.</p>]]></description></item>";
    let start = feed.find("<item>").unwrap();
    let second = feed[start + 6..].find("<item>").unwrap() + start + 6;
    let rewritten = format!("{}{new_item}{}", &feed[..start], &feed[second..]);
    s.drop_file("valley.rss", rewritten);
    s.run_once();
    let mut ids: Vec<String> = s.articles().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    assert_eq!(ids, ["valley-1001", "valley-1002", "valley-1003", "valley-1004"], "only the new item is added");
    // Nothing is read again without a change.
    s.run_once();
    assert_eq!(s.articles().len(), 4);
    assert!(s.rejected().is_empty(), "{:?}", s.rejected());
}

#[test]
fn broken_feeds_and_empty_items_are_dead_lettered() {
    let s = Scratch::new("");
    // Cut off mid-item: the item is read as far as it goes, and it has no text.
    s.drop_file("broken.rss", "<rss><channel><item><title>cut off");
    s.drop_file(
        "empty.atom",
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title><id>urn:t</id>\
         <entry><title>No text</title><id>urn:e</id><updated>2024-01-01T00:00:00Z</updated></entry></feed>",
    );
    s.drop_file("page.rss", "<!DOCTYPE html><html><body><p>A web page saved as a feed.</p></body></html>");
    s.drop_file(
        "nothing.rss",
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Quiet</title></channel></rss>",
    );
    s.run_once();
    let mut found: Vec<(String, String)> = s
        .rejected()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap().to_string(), r["reason"].as_str().unwrap().to_string()))
        .collect();
    found.sort();
    let kinds: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["invalid_feed", "no_content", "no_content", "no_items"], "{found:?}");
    assert_eq!(found[0].1, "not a feed: root element <html>");
    assert!(
        found.iter().any(|(_, r)| r.contains("item has a title but no text") && r.contains("Atom 1.0")),
        "{found:?}"
    );
    assert!(found.iter().any(|(_, r)| r.contains("RSS without a version")), "{found:?}");
    assert_eq!(found[3].1, "RSS 2.0 feed with no items (no <item> or <entry>)");
    let ids: Vec<String> = s.rejected().iter().filter_map(|r| r["id"].as_str().map(String::from)).collect();
    assert!(ids.iter().any(|i| i == "urn:e"), "the rejection names the item: {ids:?}");
    assert!(s.articles().is_empty());
}

#[test]
fn explain_shows_html_blocks_with_their_element_and_metadata() {
    let s = Scratch::new("");
    let path = format!("{}/tests/fixtures/meta-jsonld.html", env!("CARGO_MANIFEST_DIR"));
    let out = s.cmd(&["explain", &path]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("META author    Mara Quill, Tom Reyes"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("<h1") && l.contains("KEEP title")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("<figcap") && l.contains("DATA caption")), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("<li") && l.contains("DROP") && l.contains("Harbour festival")),
        "{text}"
    );
    assert!(!text.contains("MODEL"), "an article is judged by the first block model alone: {text}");
    // A shop's page is judged by the block model for pages other than articles, and says so
    // under its type.
    let path = format!("{}/tests/fixtures/pages/product.html", env!("CARGO_MANIFEST_DIR"));
    let out = s.cmd(&["explain", &path]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("PAGE TYPE product")).unwrap_or_else(|| panic!("{text}"));
    assert_eq!(lines.get(at + 1), Some(&"MODEL     the block model for pages other than articles"), "{text}");
    // The same page as a text dump goes to the second text model, which says why.
    let path = format!("{}/tests/fixtures/pages/product.txt", env!("CARGO_MANIFEST_DIR"));
    let out = s.cmd(&["explain", &path]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let model = text.lines().find(|l| l.starts_with("MODEL")).unwrap_or_else(|| panic!("{text}"));
    assert!(
        model.starts_with("MODEL     the second, not split into columns, for a page other than an article"),
        "{text}"
    );
    assert!(!text.contains("PAGE TYPE article"), "{text}");
}

#[test]
fn json_lines_with_html_are_cleaned_as_pages_and_stated_fields_win() {
    let s = Scratch::new("");
    let html = include_str!("fixtures/meta-jsonld.html");
    let line = serde_json::json!({"id": "crawl-7", "url": "https://mirror.example/ferry", "outlet": "Crawler Wire", "html": html});
    s.drop_file("crawl.jsonl", format!("{line}\n"));
    s.run_once();
    let articles = s.articles();
    assert_eq!(articles.len(), 1, "{:?}", s.rejected());
    let a = &articles[0];
    assert_eq!((&a["id"], &a["source"]["format"]), (&"crawl-7".into(), &"jsonl".into()));
    assert_eq!(a["url"], "https://mirror.example/ferry", "the line's url wins over the page's canonical link");
    assert_eq!(a["publisher"], "Crawler Wire", "the line's outlet wins over JSON-LD");
    assert_eq!(a["title"], "Ferry Service Returns To The Islands");
    assert_eq!(a["byline"], "Mara Quill, Tom Reyes");
    assert_eq!(body(a).len(), 4, "{:?}", body(a));
}

/// One worker per stage keeps documents in arrival order, so "the first of a story" is the same
/// on every run (with more, workers finish in any order).
const IN_ORDER: &str = "[clean]\nworkers = 1\n[extract]\nworkers = 1\n";

#[test]
fn wire_copies_become_one_story_and_template_stories_stay_apart_across_a_restart() {
    let s = Scratch::new(IN_ORDER);
    s.drop_file("wire.jsonl", include_str!("fixtures/wire-stream.jsonl"));
    s.run_once();
    let articles = s.articles();
    let by_id: HashMap<&str, &serde_json::Value> = articles.iter().map(|a| (a["id"].as_str().unwrap(), a)).collect();
    assert_eq!(by_id.len(), 6);
    let story = |id: &str| by_id[id]["story_id"].as_str().unwrap().to_string();
    assert_eq!(by_id["w1"]["dedup"], "new");
    assert!(by_id["w1"]["duplicate_of"].is_null() && by_id["w1"]["similarity"].is_null());
    for copy in ["w2", "w6"] {
        assert_eq!(story(copy), story("w1"), "{copy} is an edited copy of w1");
        assert_eq!(by_id[copy]["duplicate_of"], "w1");
        assert_eq!(by_id[copy]["dedup"], "near");
        assert!(by_id[copy]["similarity"].as_f64().unwrap() >= 0.5);
    }
    assert_ne!(story("w3"), story("w1"), "same template, other figures: another story");
    assert_eq!(by_id["w3"]["dedup"], "new");
    assert_ne!(story("w4"), story("w1"));
    assert_eq!(story("w5"), story("w4"));
    assert_eq!(by_id["w5"]["duplicate_of"], "w4");
    // After a restart the window is back: a later copy joins the story it came from.
    s.drop_file("later.jsonl", include_str!("fixtures/wire-stream-later.jsonl"));
    s.run_once();
    let articles = s.articles();
    let later = articles.iter().find(|a| a["id"] == "w7").expect("w7 written");
    assert_eq!(later["story_id"].as_str().unwrap(), story("w1"));
    assert_eq!(later["duplicate_of"], "w1");
}

#[test]
fn drop_action_writes_only_the_first_of_a_story() {
    let s = Scratch::new(&format!("{IN_ORDER}[dedup]\naction = \"drop\"\n"));
    s.drop_file("wire.jsonl", include_str!("fixtures/wire-stream.jsonl"));
    s.run_once();
    let mut ids: Vec<String> = s.articles().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    assert_eq!(ids, ["w1", "w3", "w4"]);
}

#[test]
fn reset_dedup_empties_the_window_and_keeps_the_checkpoints() {
    let s = Scratch::new(IN_ORDER);
    s.drop_file("wire.jsonl", include_str!("fixtures/wire-stream.jsonl"));
    s.run_once();
    let out = s.cmd(&["reset-dedup", "--config", s.config.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("6 entries dropped"));
    s.run_once();
    assert_eq!(s.articles().len(), 6, "checkpoints were kept: nothing re-read");
    s.drop_file("later.jsonl", include_str!("fixtures/wire-stream-later.jsonl"));
    s.run_once();
    let articles = s.articles();
    let later = articles.iter().find(|a| a["id"] == "w7").unwrap();
    assert_eq!(later["dedup"], "new", "the window was empty");
}

#[test]
fn changed_sketch_settings_are_reported_at_start() {
    let s = Scratch::new("");
    s.drop_file("wire.jsonl", include_str!("fixtures/wire-stream.jsonl"));
    let first = s.run_once();
    assert!(!String::from_utf8_lossy(&first.stderr).contains("sketched with other settings"));
    let mut cfg = std::fs::read_to_string(&s.config).unwrap();
    cfg.push_str("[dedup]\nshingle_words = 4\n");
    std::fs::write(&s.config, cfg).unwrap();
    let again = s.run_once();
    assert!(String::from_utf8_lossy(&again.stderr).contains("sketched with other settings"));
}
