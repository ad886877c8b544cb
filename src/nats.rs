//! `[nats]`: the NATS server (with JetStream) that a `nats` source and `nats` outputs talk to,
//! its authentication and TLS, and the connection every one of them makes from it. The client
//! reconnects by itself for as long as the daemon runs, also when the server is down at start.

use std::num::NonZeroU64;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::live::LiveKeys;
use crate::num::nz64;

/// `[nats]`: see the module docs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NatsConfig {
    /// Server URLs, comma-separated (`nats://host:4222`; `tls://host:4222` requires TLS).
    pub url: String,
    /// Authentication by token (empty: none).
    pub token: String,
    /// Authentication by user and password (empty: none).
    pub user: String,
    /// The user's password.
    pub password: String,
    /// Authentication by a credentials file (JWT and nkey seed; empty: none).
    pub creds_file: PathBuf,
    /// Authentication by an nkey seed (`SU...`; empty: none).
    pub nkey_seed: String,
    /// CA certificate (PEM) the server's certificate must chain to (empty: the system's roots).
    pub tls_ca_file: PathBuf,
    /// Client certificate (PEM), for servers that verify clients; with `tls_key_file`.
    pub tls_cert_file: PathBuf,
    /// The client certificate's private key (PEM).
    pub tls_key_file: PathBuf,
    /// Refuse a connection without TLS.
    pub tls_required: bool,
    /// Give up one connection attempt after this long (the client keeps trying).
    pub connect_timeout_ms: NonZeroU64,
    /// Give up one request to the server (a JetStream API call, an acknowledgement) after this long.
    pub request_timeout_ms: NonZeroU64,
    /// The connection's name, as the server's monitoring shows it.
    pub name: String,
}

impl Default for NatsConfig {
    fn default() -> Self {
        Self {
            url: "nats://127.0.0.1:4222".into(),
            token: String::new(),
            user: String::new(),
            password: String::new(),
            creds_file: PathBuf::new(),
            nkey_seed: String::new(),
            tls_ca_file: PathBuf::new(),
            tls_cert_file: PathBuf::new(),
            tls_key_file: PathBuf::new(),
            tls_required: false,
            connect_timeout_ms: nz64(5_000),
            request_timeout_ms: nz64(10_000),
            name: "newsmill".into(),
        }
    }
}

impl NatsConfig {
    /// What a reload changes in place: all but the address (the components reconnect with the
    /// new credentials).
    pub(crate) const LIVE: LiveKeys = LiveKeys::AllBut(&["url"]);

    /// Problems, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        if self.url.split(',').all(|u| u.trim().is_empty()) {
            errors.push(("url", "must name a server".into()));
        }
        let ways = [
            !self.token.is_empty(),
            !self.user.is_empty(),
            !self.creds_file.as_os_str().is_empty(),
            !self.nkey_seed.is_empty(),
        ];
        if ways.iter().filter(|w| **w).count() > 1 {
            errors.push(("token", "choose one of token, user/password, creds_file and nkey_seed".into()));
        }
        if !self.password.is_empty() && self.user.is_empty() {
            errors.push(("password", "needs `user`".into()));
        }
        if self.tls_cert_file.as_os_str().is_empty() != self.tls_key_file.as_os_str().is_empty() {
            errors.push(("tls_cert_file", "`tls_cert_file` and `tls_key_file` go together".into()));
        }
        for (key, path) in [
            ("creds_file", &self.creds_file),
            ("tls_ca_file", &self.tls_ca_file),
            ("tls_cert_file", &self.tls_cert_file),
            ("tls_key_file", &self.tls_key_file),
        ] {
            if !path.as_os_str().is_empty() && !path.is_file() {
                errors.push((key, format!("{} is not a readable file", path.display())));
            }
        }
        errors
    }

    /// How long one request may take.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.get())
    }

    /// Connects (returns at once when the server is down: the client keeps trying in the
    /// background, and requests wait for it or time out).
    pub async fn connect(&self) -> Result<async_nats::Client, String> {
        let mut options = async_nats::ConnectOptions::new()
            .name(&self.name)
            .connection_timeout(Duration::from_millis(self.connect_timeout_ms.get()))
            .request_timeout(Some(self.request_timeout()))
            .retry_on_initial_connect()
            .max_reconnects(None::<usize>)
            .event_callback(|event| async move {
                match event {
                    async_nats::Event::Connected => tracing::info!("Connected to NATS."),
                    async_nats::Event::Disconnected => tracing::warn!("Disconnected from NATS; reconnecting."),
                    other => tracing::warn!(event = %other, "NATS connection event."),
                }
            })
            .require_tls(self.tls_required);
        if !self.token.is_empty() {
            options = options.token(self.token.clone());
        }
        if !self.user.is_empty() {
            options = options.user_and_password(self.user.clone(), self.password.clone());
        }
        if !self.nkey_seed.is_empty() {
            options = options.nkey(self.nkey_seed.clone());
        }
        if !self.creds_file.as_os_str().is_empty() {
            options = options
                .credentials_file(&self.creds_file)
                .await
                .map_err(|e| format!("[nats] creds_file {}: {e}", self.creds_file.display()))?;
        }
        if !self.tls_ca_file.as_os_str().is_empty() {
            options = options.add_root_certificates(self.tls_ca_file.clone());
        }
        if !self.tls_cert_file.as_os_str().is_empty() {
            options = options.add_client_certificate(self.tls_cert_file.clone(), self.tls_key_file.clone());
        }
        let servers: Vec<async_nats::ServerAddr> = self
            .url
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| u.parse().map_err(|e| format!("[nats] url `{u}`: {e}")))
            .collect::<Result<_, _>>()?;
        options.connect(servers).await.map_err(|e| format!("cannot connect to NATS at {}: {e}", self.url))
    }
}

/// A subject from a template: each `{field}` is replaced by `value(field)` made a single subject
/// token (characters other than letters, digits, `-` and `_` become `_`; empty or missing:
/// `unknown`).
pub fn subject(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    fill(template, |field| {
        let token: String = value(field)
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
            .collect();
        if token.is_empty() { "unknown".into() } else { token }
    })
}

/// `template` with each `{field}` replaced by `token(field)`.
fn fill(template: &str, token: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        out.push_str(&rest[..open]);
        out.push_str(&token(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The subject filter a template's subjects all match (each `{field}` a `*`), for the stream.
pub fn subject_filter(template: &str) -> String {
    fill(template, |_| "*".into())
}

/// Whether `name` can name a stream or a consumer: JetStream refuses dots, wildcards and
/// whitespace in them.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['.', '*', '>', ' ', '\t'])
}

/// Why `stream` cannot name a stream (none: it can).
pub fn bad_stream_name(stream: &str) -> Option<String> {
    (!is_plain_name(stream)).then(|| format!("`{stream}` is not a stream name (no dots, spaces or wildcards)"))
}

/// Why a template cannot make subjects (none: it can).
pub fn bad_template(template: &str, fields: &[&str]) -> Option<String> {
    if template.is_empty() || template.split('.').any(str::is_empty) || template.contains(char::is_whitespace) {
        return Some(format!("`{template}` is not a subject (dot-separated tokens, no spaces)"));
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            return Some(format!("`{template}`: unclosed `{{`"));
        };
        let field = &rest[open + 1..close];
        if !fields.contains(&field) {
            return Some(format!("`{{{field}}}` is not a field a subject can name (one of {})", fields.join(", ")));
        }
        rest = &rest[close + 1..];
    }
    (template.contains('*') || template.contains('>'))
        .then(|| format!("`{template}`: no wildcards in a subject to publish to"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_from_templates() {
        let v = |f: &str| match f {
            "lang" => Some("en".to_string()),
            "publisher" => Some("The Times. Online".to_string()),
            _ => None,
        };
        assert_eq!(subject("news.{lang}", v), "news.en");
        assert_eq!(subject("news.{publisher}.{page_type}", v), "news.The_Times__Online.unknown");
        assert_eq!(subject("plain.subject", v), "plain.subject");
        assert_eq!(subject_filter("news.{lang}.all"), "news.*.all");
        assert!(bad_template("news.{lang}", &["lang"]).is_none());
        assert!(bad_template("news.{nope}", &["lang"]).is_some());
        assert!(bad_template("news..x", &["lang"]).is_some());
        assert!(bad_template("news.>", &["lang"]).is_some());
        assert!(bad_template("news.{lang", &["lang"]).is_some());
    }

    proptest::proptest! {
        /// Whatever a record holds, its subject has the template's tokens and no wildcard,
        /// space or empty token.
        #[test]
        fn any_value_makes_a_valid_subject(value in "\\PC*") {
            let s = subject("news.{lang}.x", |_| Some(value.clone()));
            proptest::prop_assert_eq!(s.split('.').count(), 3);
            proptest::prop_assert!(s.split('.').all(|t| !t.is_empty()));
            proptest::prop_assert!(!s.contains(['*', '>', ' ', '\t', '\n']));
        }
    }

    #[test]
    fn one_way_to_authenticate() {
        assert!(NatsConfig::default().problems().is_empty());
        let two = NatsConfig { token: "t".into(), user: "u".into(), ..Default::default() };
        assert_eq!(two.problems()[0].0, "token");
        let half = NatsConfig { tls_cert_file: "/etc/hostname".into(), ..Default::default() };
        assert!(half.problems().iter().any(|(k, _)| *k == "tls_cert_file"));
    }
}
