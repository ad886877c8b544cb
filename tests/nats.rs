//! The `nats` source and outputs against a current NATS server of the test's own (installed by
//! `scripts/test-services.sh`): messages of every kind in, every document exactly once out
//! across SIGKILLs of newsmill and restarts of the server, and the dead letter for bad ones.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::services::{Msg, Nats, NatsServer};
use common::services::{PgSchema, Proxy, free_port};
use common::{Scratch, http_get, wait_for};

fn source_config(server: &NatsServer) -> String {
    format!(
        "[source]\nkind = \"nats\"\n[source.nats]\nstream = \"IN\"\nsubjects = [\"in.>\"]\n\
         ack_wait_ms = 3000\nprogress_interval_ms = 1000\nmax_deliver = 50\nfetch_expires_ms = 200\n\
         [nats]\nurl = \"{}\"\n",
        server.url()
    )
}

/// `n` JSON documents, `copies` exact copies of some of them under other ids, and the bad and
/// the odd: a page by header, a feed of three items, broken JSON, an unknown format.
fn input(n: usize, copies: usize) -> (Vec<Msg>, usize, usize) {
    let json = |id: String, i: usize| {
        let body = serde_json::json!({ "id": id, "text": common::page(i), "url": format!("https://example.com/{i}") });
        (format!("in.json.{}", i % 3), Vec::new(), body.to_string().into_bytes())
    };
    let mut out: Vec<Msg> = (0..n).map(|i| json(format!("doc-{i}"), i)).collect();
    out.extend((0..copies).map(|i| json(format!("copy-{i}"), i * 3)));
    let header = |k: &str, v: &str| (k.to_string(), v.to_string());
    out.push((
        "in.page".into(),
        vec![
            header("Newsmill-Format", "text"),
            header("Nats-Msg-Id", "page-1"),
            header("Newsmill-Url", "https://example.com/p"),
        ],
        common::page(n + 1).into_bytes(),
    ));
    out.push((
        "in.feed".into(),
        vec![header("Newsmill-Format", "feed")],
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feed.rss")).expect("fixture"),
    ));
    out.push(("in.bad".into(), Vec::new(), b"{\"id\": \"broken\", \"text\": ".to_vec()));
    out.push(("in.odd".into(), vec![header("Newsmill-Format", "pdf")], b"%PDF-1.7".to_vec()));
    (out, n + copies + 1, 2)
}

/// Messages in `stream`, read by a client connected with `options` to `url`.
fn messages_in(options: async_nats::ConnectOptions, url: String, stream: &str) -> u64 {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let client = options.connect(url).await.expect("connect");
        let mut stream = async_nats::jetstream::new(client).get_stream(stream).await.expect("the stream");
        stream.info().await.expect("info").state.messages
    })
}

/// Articles by id: how many records each has.
fn by_id(records: &[serde_json::Value]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in records {
        *m.entry(r["id"].as_str().unwrap_or_default().to_string()).or_default() += 1;
    }
    m
}

/// Every story in `records` has exactly one `new`.
fn one_new_per_story(records: &[serde_json::Value]) {
    let mut news: HashMap<&str, usize> = HashMap::new();
    for r in records {
        let n = news.entry(r["story_id"].as_str().unwrap_or_default()).or_default();
        *n += usize::from(r["dedup"] == "new");
    }
    let bad: Vec<_> = news.iter().filter(|(_, n)| **n != 1).collect();
    assert!(bad.is_empty(), "stories without exactly one new: {bad:?}");
}

#[test]
fn messages_in_files_out_each_exactly_once_across_kills_and_a_server_restart() {
    let Some(mut server) = NatsServer::start() else { return };
    let nats = Nats::connect(&server.url());
    nats.create_stream("IN", &["in.>"]);
    let (messages, good_docs, bad) = input(500, 50);
    let feed_items = 3;
    nats.publish(messages);
    let s = Scratch::new(&source_config(&server));
    for round in 0..4 {
        let mut d = s.spawn();
        let seen = wait_for(Duration::from_secs(60), || (s.articles().len() > 60 * (round + 1)).then_some(()));
        assert!(seen.is_some() || !d.alive(), "no progress; log:\n{}", s.log());
        d.signal(libc::SIGKILL);
        drop(d);
        if round == 1 {
            server.restart();
        }
    }
    s.run_once();

    let articles = s.articles();
    let ids = by_id(&articles);
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "written more than once: {twice:?}");
    assert_eq!(articles.len(), good_docs + feed_items, "every good document once");
    assert!(ids.contains_key("doc-0") && ids.contains_key("page-1") && ids.contains_key("copy-7"));
    assert_eq!(articles.iter().filter(|a| a["dedup"] == "exact").count(), 50);
    one_new_per_story(&articles);
    let page = articles.iter().find(|a| a["id"] == "page-1").expect("the page");
    assert_eq!(page["url"], "https://example.com/p", "the URL header is the page's URL");
    let rejected = s.rejected();
    let kinds: Vec<&str> = rejected.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(rejected.len(), bad, "{kinds:?}");
    assert!(kinds.contains(&"invalid_json") && kinds.contains(&"unknown_format"), "{kinds:?}");
    // A client of its own: the one from before the server's restart may still be reconnecting.
    let lag = Nats::connect(&server.url()).consumer_lag("IN", "newsmill");
    assert_eq!(lag, Some((0, 0)), "every message acknowledged");
}

#[test]
fn messages_in_nats_out_each_exactly_once_by_id() {
    let Some(server) = NatsServer::start() else { return };
    let nats = Nats::connect(&server.url());
    nats.create_stream("IN", &["in.>"]);
    let (messages, good_docs, bad) = input(300, 30);
    nats.publish(messages);
    let extra = format!(
        "{}[sink]\nkind = \"nats\"\n[sink.nats]\nstream = \"OUT\"\nsubject = \"out.{{lang}}.{{dedup}}\"\n\
         [dead_letter]\nkind = \"nats\"\n[dead_letter.nats]\nstream = \"DEAD\"\nsubject = \"dead.{{kind}}\"\n",
        source_config(&server)
    );
    let s = Scratch::new(&extra);
    for round in 0..3 {
        let mut d = s.spawn();
        let seen = wait_for(Duration::from_secs(60), || (nats.read("OUT").len() > 50 * (round + 1)).then_some(()));
        assert!(seen.is_some() || !d.alive(), "no progress; log:\n{}", s.log());
        d.signal(libc::SIGKILL);
        drop(d);
    }
    s.run_once();
    let out = nats.read("OUT");
    let ids: HashMap<String, usize> = out.iter().fold(HashMap::new(), |mut m, (id, _)| {
        *m.entry(id.clone()).or_default() += 1;
        m
    });
    assert!(ids.values().all(|n| *n == 1), "a message id twice in the stream");
    assert_eq!(out.len(), good_docs + 3);
    assert!(out.iter().all(|(id, record)| record["id"] == id.as_str()), "Nats-Msg-Id is the article id");
    let records: Vec<serde_json::Value> = out.into_iter().map(|(_, r)| r).collect();
    one_new_per_story(&records);
    assert_eq!(nats.read("DEAD").len(), bad);
}

#[test]
fn an_output_server_down_at_start_holds_the_pipeline_until_it_comes() {
    let Some(mut server) = NatsServer::stopped() else { return };
    let s = Scratch::new(&format!(
        "[sink]\nkind = \"nats\"\n[sink.nats]\nstream = \"OUT\"\nsubject = \"out.all\"\n\
         [nats]\nurl = \"{}\"\nconnect_timeout_ms = 500\nrequest_timeout_ms = 2000\n",
        server.url()
    ));
    s.write_backlog(120);
    let mut d = s.spawn();
    let addr = s.metrics_addr();
    let unready = wait_for(Duration::from_secs(30), || (http_get(&addr, "/ready").0 == 503).then_some(()));
    assert!(unready.is_some(), "/ready stays 200 while nothing can be written; log:\n{}", s.log());
    assert!(d.alive());
    server.restart();
    let nats = Nats::connect(&server.url());
    let all = wait_for(Duration::from_secs(60), || (nats.read("OUT").len() == 120).then_some(()));
    assert!(all.is_some(), "{} messages after the server came; log:\n{}", nats.read("OUT").len(), s.log());
    assert!(wait_for(Duration::from_secs(30), || (http_get(&addr, "/ready").0 == 200).then_some(())).is_some());
    assert_eq!(d.stop(), Some(0));
    assert_eq!(nats.read("OUT").len(), 120, "nothing doubled");
}

#[test]
fn a_message_delivered_max_deliver_times_goes_to_the_dead_letter_unread_and_is_terminated() {
    let Some(server) = NatsServer::start() else { return };
    let Some(schema) = PgSchema::new() else { return };
    let nats = Nats::connect(&server.url());
    nats.create_stream("IN", &["in.>"]);
    let doc = serde_json::json!({ "id": "poison", "text": common::page(7) }).to_string().into_bytes();
    nats.publish(vec![("in.x".into(), vec![("Nats-Msg-Id".into(), "poison".into())], doc)]);
    // The articles go to PostgreSQL through a proxy that is down: the first delivery is read and
    // its output never becomes durable; newsmill dies with it.
    let port = free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/{}", schema.url.rsplit('/').next().unwrap_or("postgres"));
    let config = |pg: &str| {
        format!(
            "[source]\nkind = \"nats\"\n[source.nats]\nstream = \"IN\"\nsubjects = [\"in.>\"]\nack_wait_ms = 2000\n\
             progress_interval_ms = 500\nmax_deliver = 2\nfetch_expires_ms = 200\n[nats]\nurl = \"{}\"\n\
             [sink]\nkind = \"postgres\"\n[postgres]\nurl = \"{pg}\"\nschema = \"{}\"\nconnect_timeout_ms = 500\n",
            server.url(),
            schema.name
        )
    };
    let s = Scratch::new(&config(&schema.url));
    let m = s.cmd(&["migrate", "--config", s.config.to_str().unwrap()]).output().unwrap();
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    s.rewrite_config(&config(&url));
    let d = s.spawn();
    let read =
        wait_for(Duration::from_secs(30), || (nats.consumer_lag("IN", "newsmill") == Some((0, 1))).then_some(()));
    assert!(read.is_some(), "the message was not delivered; log:\n{}", s.log());
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(nats.consumer_lag("IN", "newsmill"), Some((0, 1)), "kept alive while on its way, not acknowledged");
    d.signal(libc::SIGKILL);
    drop(d);
    // The second delivery is the last one allowed: dead-lettered unread, then terminated.
    let _proxy = Proxy::start(port, "127.0.0.1:5432");
    s.run_once();
    let rejected = s.rejected();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!((rejected[0]["kind"].as_str(), rejected[0]["id"].as_str()), (Some("redelivered"), Some("poison")));
    assert_eq!(schema.count(&format!("SELECT count(*) FROM \"{}\".newsmill_articles", schema.name)), 0);
    assert_eq!(nats.consumer_lag("IN", "newsmill"), Some((0, 0)), "terminated: never delivered again");
}

#[test]
fn a_reload_applies_the_consumer_settings_without_losing_a_message() {
    let Some(server) = NatsServer::start() else { return };
    let nats = Nats::connect(&server.url());
    nats.create_stream("IN", &["in.>"]);
    let (messages, good_docs, _) = input(200, 0);
    let (first, rest) = messages.split_at(100);
    nats.publish(first.to_vec());
    let s = Scratch::new(&source_config(&server));
    let d = s.spawn();
    assert!(wait_for(Duration::from_secs(60), || (s.articles().len() >= 50).then_some(())).is_some(), "{}", s.log());
    s.rewrite_config(&format!("{}[source.nats]\nmax_ack_pending = 77\nfetch_batch = 8\n", source_config(&server)));
    d.signal(libc::SIGHUP);
    let reloaded =
        wait_for(Duration::from_secs(30), || s.log().contains("NATS source settings reloaded").then_some(()));
    assert!(reloaded.is_some(), "log:\n{}", s.log());
    nats.publish(rest.to_vec());
    let all = wait_for(Duration::from_secs(60), || (s.articles().len() == good_docs + 3).then_some(()));
    assert!(all.is_some(), "{} articles; log:\n{}", s.articles().len(), s.log());
    assert_eq!(nats.consumer_max_ack_pending("IN", "newsmill"), Some(77), "the consumer took the new setting");
    assert_eq!(d.stop(), Some(0));
    assert_eq!(by_id(&s.articles()).values().filter(|n| **n != 1).count(), 0);
}

/// A test CA (ca.pem), a server certificate it signed for 127.0.0.1 (cert.pem, key.pem) and a
/// client certificate (client.pem, client.key) in `dir`, or `None` (skipped) without openssl.
fn certificate(dir: &std::path::Path) -> Option<()> {
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").ok()?;
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").ok()?;
    let ca = "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-CA -keyout ca.key -out ca.pem".to_string();
    // A key and a request for `name`, then the CA's signature with the extensions in `ext`.
    let signed = |name: &str, subject: &str, ext: &str| {
        [
            format!("req -newkey rsa:2048 -nodes -subj /CN={subject} -keyout {name}.key -out {name}.csr"),
            format!(
                "x509 -req -in {name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile {ext} -out {name}.pem"
            ),
        ]
    };
    let mut steps = vec![ca];
    steps.extend(signed("server", "127.0.0.1", "san.ext"));
    steps.extend(signed("client", "newsmill", "client.ext"));
    for step in steps {
        match std::process::Command::new("openssl").args(step.split(' ')).current_dir(dir).output() {
            Ok(o) if o.status.success() => {}
            Ok(o) => return common::services::skip_or_fail("openssl", String::from_utf8_lossy(&o.stderr)),
            Err(e) => return common::services::skip_or_fail("openssl", e),
        }
    }
    // The server's files under the names the tests use.
    std::fs::rename(dir.join("server.pem"), dir.join("cert.pem")).ok()?;
    std::fs::rename(dir.join("server.key"), dir.join("key.pem")).ok()?;
    Some(())
}

#[test]
fn a_server_with_tls_and_a_token_is_reached_with_the_secret_from_the_environment() {
    let certs = tempfile::tempdir().unwrap();
    if certificate(certs.path()).is_none() {
        return;
    }
    let (cert, key, ca) = (certs.path().join("cert.pem"), certs.path().join("key.pem"), certs.path().join("ca.pem"));
    let Some(server) = NatsServer::start_with(&[
        "--tls",
        "--tlscert",
        cert.to_str().unwrap(),
        "--tlskey",
        key.to_str().unwrap(),
        "--auth",
        "s3cret-token",
    ]) else {
        return;
    };
    let s = Scratch::new(&format!(
        "[sink]\nkind = \"nats\"\n[sink.nats]\nstream = \"OUT\"\nsubject = \"out.{{lang}}\"\n\
         [nats]\nurl = \"tls://127.0.0.1:{}\"\ntoken = \"${{NATS_TOKEN}}\"\ntls_ca_file = \"{}\"\ntls_required = true\n",
        server.port,
        ca.display()
    ));
    s.write_backlog(20);
    let out = s
        .cmd(&["run", "--once", "--config", s.config.to_str().unwrap()])
        .env("NATS_TOKEN", "s3cret-token")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let options = async_nats::ConnectOptions::with_token("s3cret-token".into())
        .add_root_certificates(ca.clone())
        .require_tls(true);
    let read = messages_in(options, format!("tls://127.0.0.1:{}", server.port), "OUT");
    assert_eq!(read, 20, "every article went over TLS, authenticated by the token");
}

#[test]
fn a_source_server_down_at_start_is_not_ready_and_reading_starts_when_it_comes() {
    let Some(mut server) = NatsServer::stopped() else { return };
    let s = Scratch::new(&format!(
        "{}[nats]\nconnect_timeout_ms = 500\nrequest_timeout_ms = 1000\n",
        source_config(&server)
    ));
    let mut d = s.spawn();
    let addr = s.metrics_addr();
    let unready = wait_for(Duration::from_secs(30), || (http_get(&addr, "/ready").0 == 503).then_some(()));
    assert!(unready.is_some(), "/ready stays 200 without the input's server; log:\n{}", s.log());
    assert!(d.alive());
    server.restart();
    let nats = Nats::connect(&server.url());
    assert!(wait_for(Duration::from_secs(60), || nats.consumer_lag("IN", "newsmill")).is_some(), "{}", s.log());
    let (messages, good_docs, _) = input(50, 0);
    nats.publish(messages);
    let all = wait_for(Duration::from_secs(60), || (s.articles().len() == good_docs + 3).then_some(()));
    assert!(all.is_some(), "{} articles; log:\n{}", s.articles().len(), s.log());
    assert!(wait_for(Duration::from_secs(30), || (http_get(&addr, "/ready").0 == 200).then_some(())).is_some());
    assert_eq!(d.stop(), Some(0));
}

#[test]
fn a_server_with_users_is_reached_with_a_user_and_password() {
    let Some(server) = NatsServer::start_with(&["--user", "newsmill", "--pass", "p4ss"]) else { return };
    let base = format!(
        "[sink]\nkind = \"nats\"\n[sink.nats]\nstream = \"OUT\"\nsubject = \"out.all\"\n\
         [nats]\nurl = \"{}\"\nuser = \"newsmill\"\npassword = \"${{NATS_PASSWORD}}\"\n",
        server.url()
    );
    let s = Scratch::new(&base);
    s.write_backlog(10);
    let out = s
        .cmd(&["run", "--once", "--config", s.config.to_str().unwrap()])
        .env("NATS_PASSWORD", "p4ss")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let options = async_nats::ConnectOptions::with_user_and_password("newsmill".into(), "p4ss".into());
    assert_eq!(messages_in(options, server.url(), "OUT"), 10);
}

#[test]
fn a_server_that_wants_an_nkey_is_reached_with_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let user = nkeys::KeyPair::new_user();
    let conf = dir.path().join("server.conf");
    std::fs::write(&conf, format!("authorization {{ users = [ {{ nkey: {} }} ] }}\n", user.public_key())).unwrap();
    let Some(server) = NatsServer::start_with(&["-c", conf.to_str().unwrap()]) else { return };
    let s = Scratch::new(&format!(
        "[sink]\nkind = \"nats\"\n[sink.nats]\nstream = \"OUT\"\nsubject = \"out.all\"\n\
         [nats]\nurl = \"{}\"\nnkey_seed = \"${{NATS_NKEY}}\"\n",
        server.url()
    ));
    s.write_backlog(10);
    let seed = user.seed().unwrap();
    let out =
        s.cmd(&["run", "--once", "--config", s.config.to_str().unwrap()]).env("NATS_NKEY", &seed).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(messages_in(async_nats::ConnectOptions::with_nkey(seed), server.url(), "OUT"), 10);
}

#[test]
fn a_server_that_verifies_clients_is_reached_with_a_client_certificate() {
    let certs = tempfile::tempdir().unwrap();
    if certificate(certs.path()).is_none() {
        return;
    }
    let p = |n: &str| certs.path().join(n).display().to_string();
    let tls =
        ["--tls", "--tlscert", &p("cert.pem"), "--tlskey", &p("key.pem"), "--tlscacert", &p("ca.pem"), "--tlsverify"];
    let Some(server) = NatsServer::start_with(&tls) else { return };
    let s = Scratch::new(&format!(
        "[sink]\nkind = \"nats\"\n[sink.nats]\nstream = \"OUT\"\nsubject = \"out.all\"\n\
         [nats]\nurl = \"tls://127.0.0.1:{}\"\ntls_ca_file = \"{}\"\ntls_cert_file = \"{}\"\ntls_key_file = \"{}\"\n",
        server.port,
        p("ca.pem"),
        p("client.pem"),
        p("client.key")
    ));
    s.write_backlog(10);
    s.run_once();
    let options = async_nats::ConnectOptions::new()
        .add_root_certificates(certs.path().join("ca.pem"))
        .add_client_certificate(certs.path().join("client.pem"), certs.path().join("client.key"));
    assert_eq!(messages_in(options, format!("tls://127.0.0.1:{}", server.port), "OUT"), 10);
}

/// What a `nats` output sent after its committed position (a crash between the PubAcks and the
/// commit), beyond the stream's duplicate window, is read back on start and not sent again.
#[test]
fn records_sent_after_the_committed_position_are_not_sent_again_beyond_the_duplicate_window() {
    use newsmill::sink::Record;
    let Some(server) = NatsServer::start() else { return };
    let nats = Nats::connect(&server.url());
    // A stream whose duplicate window is over long before the output starts again.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(server.url()).await.expect("connect"));
        js.create_stream(async_nats::jetstream::stream::Config {
            name: "OUT".into(),
            subjects: vec!["out.>".into()],
            duplicate_window: Duration::from_millis(200),
            ..Default::default()
        })
        .await
        .expect("stream");
    });
    let sent = |id: &str| ("out.x".to_string(), vec![("Nats-Msg-Id".to_string(), id.to_string())], b"{}".to_vec());
    // Sequence 1 was committed; 2 and 3 were sent after it.
    nats.publish(vec![sent("a1"), sent("a2"), sent("a3")]);
    std::thread::sleep(Duration::from_millis(400));
    let s = Scratch::new(&format!(
        "[sink]\nkind = \"nats\"\n[sink.nats]\nstream = \"OUT\"\nsubject = \"out.x\"\n[nats]\nurl = \"{}\"\n",
        server.url()
    ));
    let cfg = newsmill::config::Config::load(&s.config).expect("config");
    let settings = cfg.sink.output(&cfg.postgres, &cfg.nats);
    let task = runtime.spawn_blocking(move || {
        let out = newsmill::sink::open(&settings, Some(&1u64.to_le_bytes())).expect("open");
        for id in ["a2", "a3", "a4"] {
            out.write(Record::Article(&common::article(id))).expect("write");
        }
        out.seal();
        out.flush().map(|f| f.position).map_err(|e| e.to_string())
    });
    let position = runtime.block_on(task).expect("flush task").expect("flush");
    let ids: Vec<String> = nats.read("OUT").into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["a1", "a2", "a3", "a4"], "a2 and a3 were read back and not sent again");
    assert_eq!(position, 4u64.to_le_bytes().to_vec(), "the position is the last PubAck's sequence");
}
