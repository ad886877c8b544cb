//! Roles of the one binary (`run --role`): `all` (one process does everything), `extract` (any
//! number: read the input, clean, extract and sketch, publish to the internal stream) and
//! `dedup` (one owner and any number standing by: read the internal stream in order, decide the
//! stories, write the outputs). `docs/scale-out.md` has the design and the failure table.
//!
//! A dedup process stands by until it takes the lease (`sink::postgres::lease`): meanwhile it
//! runs the pipeline on the internal stream with its outputs discarded, no further than the
//! owner has committed, so that its window is the owner's when it takes over. Then it stops that
//! run (its last commit keeps what it decided) and runs again as the owner from its own
//! position: what it writes again between there and the owner's position the outputs already
//! hold, with the same answers, and keep once. An owner whose flush finds the epoch moved on, or
//! whose lease connection is gone, stops at once.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{Control, DaemonError, Summary};
use crate::config::Config;
use crate::sink::SinkKind;
use crate::sink::postgres::lease::{Fence, Lease, Taken};
use crate::stages::dedup::Mode;
use crate::stages::source::handoff::Limit;

/// Which part of the work a process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Everything, in one process.
    #[default]
    All,
    /// Clean, extract and sketch; publish to the internal stream.
    Extract,
    /// Decide the stories over the internal stream; write the outputs.
    Dedup,
}

impl Role {
    /// Its name on the command line and in `/status`.
    pub fn name(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Extract => "extract",
            Role::Dedup => "dedup",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "all" => Ok(Role::All),
            "extract" => Ok(Role::Extract),
            "dedup" => Ok(Role::Dedup),
            other => Err(format!("unknown role `{other}` (all, extract, dedup)")),
        }
    }
}

/// What one run of the pipeline does, by role.
#[derive(Debug, Clone, Default)]
pub enum Duty {
    /// Everything (`--role all`).
    #[default]
    All,
    /// `--role extract`.
    Extract,
    /// The dedup owner: writes, fenced.
    Own {
        /// Checked by every flush.
        fence: Fence,
    },
    /// A dedup process standing by: decides, writes nothing, reads no further than `limit`.
    StandBy {
        /// The owner's committed position.
        limit: Limit,
        /// How far this process has got (its committed position).
        position: Arc<AtomicU64>,
    },
}

impl Duty {
    /// The role it belongs to.
    pub fn role(&self) -> Role {
        match self {
            Duty::All => Role::All,
            Duty::Extract => Role::Extract,
            Duty::Own { .. } | Duty::StandBy { .. } => Role::Dedup,
        }
    }

    /// `active` or `standby`.
    pub fn state(&self) -> &'static str {
        match self {
            Duty::StandBy { .. } => "standby",
            _ => "active",
        }
    }

    /// What the dedup stage does.
    pub(crate) fn dedup_mode(&self) -> Mode {
        match self.role() {
            Role::All => Mode::Decide,
            Role::Extract => Mode::Sketch,
            Role::Dedup => Mode::Replay,
        }
    }

    /// The config as this duty runs it: the extract role writes articles to the internal
    /// stream; the dedup role decides with one worker (the stream's order is the stories'
    /// order); standing by, it writes nothing.
    pub(crate) fn adapt(&self, mut cfg: Config) -> Config {
        match self {
            Duty::All => {}
            Duty::Extract => {
                cfg.sink.kind = SinkKind::Nats;
                cfg.sink.nats.stream = cfg.handoff.stream.clone();
                cfg.sink.nats.subject = cfg.handoff.subject.clone();
                cfg.sink.nats.duplicate_window_ms = cfg.handoff.duplicate_window_ms.get();
                cfg.sink.nats.max_age_hours = cfg.handoff.max_age_hours;
                cfg.sink.nats.max_bytes = cfg.handoff.max_bytes;
                cfg.sink.nats.create_stream = true;
            }
            Duty::Own { .. } => cfg.dedup.workers = crate::num::nz(1),
            Duty::StandBy { .. } => {
                cfg.dedup.workers = crate::num::nz(1);
                cfg.sink.kind = SinkKind::Discard;
                cfg.dead_letter.kind = SinkKind::Discard;
            }
        }
        cfg
    }

    /// For the dedup role: where its committed position in the internal stream is shared (the
    /// fence's, or the standby's own), and how far it may read (standing by).
    pub(crate) fn handoff(&self) -> Option<(Arc<AtomicU64>, Option<Limit>)> {
        match self {
            Duty::Own { fence } => Some((fence.position.clone(), None)),
            Duty::StandBy { limit, position } => Some((position.clone(), Some(limit.clone()))),
            Duty::All | Duty::Extract => None,
        }
    }

    /// The owner's fence.
    pub(crate) fn fence(&self) -> Option<&Fence> {
        match self {
            Duty::Own { fence } => Some(fence),
            _ => None,
        }
    }
}

/// Why a role could not run.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    /// The daemon failed.
    #[error(transparent)]
    Daemon(#[from] DaemonError),
    /// The dedup role's outputs cannot be fenced.
    #[error(
        "--role dedup writes its articles to PostgreSQL ([sink] kind = \"postgres\"), where its lease and fence live; \
         [sink] kind is \"{0}\""
    )]
    NeedsPostgres(String),
    /// Another process owns the lease now: this one stopped writing.
    #[error("fenced: another dedup process owns the lease `{0}` now; this one stopped without writing")]
    Fenced(String),
}

/// Runs the dedup role until `stop` (or, with `once`, until the internal stream is read).
pub async fn run_dedup(
    cfg: Config,
    once: bool,
    stop: CancellationToken,
    control: Control,
) -> Result<Summary, RoleError> {
    if cfg.sink.kind != SinkKind::Postgres {
        return Err(RoleError::NeedsPostgres(format!("{:?}", cfg.sink.kind).to_lowercase()));
    }
    if cfg.metrics.enabled && !once {
        // Before the first takeover is counted.
        crate::http::prometheus();
    }
    let interval = Duration::from_millis(cfg.handoff.lease_interval_ms.get());
    let holder = holder();
    let position = Arc::new(AtomicU64::new(0));
    let Some(mut lease) = connect(&cfg, interval, &stop).await else { return Ok(stopped()) };
    let taken = match try_take(&mut lease, &cfg, &holder).await {
        Some(t) => t,
        None => {
            let (limit_tx, limit) = tokio::sync::watch::channel(0);
            let standby = (!once).then(|| {
                let duty = Duty::StandBy { limit, position: position.clone() };
                let run_stop = CancellationToken::new();
                let control = Control { role: duty, ..Control::default() };
                let task = tokio::spawn(super::run(cfg.clone(), false, run_stop.clone(), control));
                (run_stop, task)
            });
            info!(lease = %cfg.handoff.lease, holder, "Standing by for the dedup lease.");
            let taken = loop {
                tokio::select! {
                    () = stop.cancelled() => break None,
                    () = tokio::time::sleep(interval) => {}
                }
                if let Some(t) = try_take(&mut lease, &cfg, &holder).await {
                    break Some(t);
                }
                if let Ok(Some((_, owner_at))) = lease.owner().await {
                    limit_tx.send_replace(owner_at);
                    metrics::gauge!("newsmill_dedup_owner_position").set(owner_at as f64);
                }
            };
            if let Some((run_stop, task)) = standby {
                run_stop.cancel();
                let ended = task.await.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string()));
                if let Err(error) = ended {
                    warn!(%error, "The standing-by run failed.");
                }
            }
            match taken {
                Some(t) => t,
                None => return Ok(stopped()),
            }
        }
    };
    metrics::counter!("newsmill_dedup_takeovers_total").increment(1);
    info!(lease = %cfg.handoff.lease, holder, epoch = taken.epoch, owner_position = taken.position, "Took the dedup lease: running as the owner.");
    let fence =
        Fence { lease: cfg.handoff.lease.clone(), epoch: taken.epoch, position, lost: CancellationToken::new() };
    let keeper = {
        let lost = fence.lost.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                if !lease.holds().await {
                    warn!("The lease connection is gone: another process may own the lease now.");
                    lost.cancel();
                    return;
                }
            }
        })
    };
    let lost = fence.lost.clone();
    let lease_name = cfg.handoff.lease.clone();
    let result = tokio::select! {
        r = super::run(cfg, once, stop, Control { role: Duty::Own { fence }, ..control }) => r.map_err(RoleError::from),
        () = lost.cancelled() => Err(RoleError::Fenced(lease_name)),
    };
    keeper.abort();
    result
}

/// Tries the lease; on a broken connection, connects again (none: try later).
async fn try_take(lease: &mut Lease, cfg: &Config, holder: &str) -> Option<Taken> {
    match lease.try_take(holder).await {
        Ok(t) => t,
        Err(error) => {
            warn!(%error, "Cannot reach the lease; connecting again.");
            if let Ok(l) = Lease::connect(&cfg.postgres, &cfg.handoff.lease).await {
                *lease = l;
            }
            None
        }
    }
}

/// Connects to the lease, again and again until it works or `stop`.
async fn connect(cfg: &Config, interval: Duration, stop: &CancellationToken) -> Option<Lease> {
    loop {
        match Lease::connect(&cfg.postgres, &cfg.handoff.lease).await {
            Ok(l) => return Some(l),
            Err(error) => warn!(%error, "Cannot reach PostgreSQL for the dedup lease; retrying."),
        }
        tokio::select! {
            () = stop.cancelled() => return None,
            () = tokio::time::sleep(interval.max(Duration::from_secs(1))) => {}
        }
    }
}

/// A run stopped before it owned anything.
fn stopped() -> Summary {
    Summary { stages: vec![], forced: false, committed: true, cpu_ms: crate::cpu_time::process_ms() }
}

/// Who holds the lease, for people: host and process id.
fn holder() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    format!("{host}/{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_duty_runs_the_config_its_way() {
        let mut cfg = Config::default();
        cfg.sink.kind = SinkKind::Postgres;
        cfg.dedup.workers = crate::num::nz(4);
        let extract = Duty::Extract.adapt(cfg.clone());
        assert_eq!(extract.sink.kind, SinkKind::Nats);
        assert_eq!(
            (extract.sink.nats.stream.as_str(), extract.sink.nats.subject.as_str()),
            (cfg.handoff.stream.as_str(), cfg.handoff.subject.as_str())
        );
        assert_eq!((extract.sink.nats.max_age_hours, extract.sink.nats.max_bytes), (168, 0), "[handoff]'s limits");
        assert_eq!(Duty::Extract.dedup_mode(), Mode::Sketch);
        let (_tx, limit) = tokio::sync::watch::channel(0);
        let standby = Duty::StandBy { limit, position: Arc::default() };
        let adapted = standby.adapt(cfg.clone());
        assert_eq!((adapted.sink.kind, adapted.dead_letter.kind), (SinkKind::Discard, SinkKind::Discard));
        assert_eq!(adapted.dedup.workers.get(), 1, "the stream's order is the stories' order");
        assert_eq!((standby.role(), standby.state(), standby.dedup_mode()), (Role::Dedup, "standby", Mode::Replay));
        let all = Duty::All.adapt(cfg.clone());
        assert_eq!((all.sink.kind, all.dedup.workers.get()), (SinkKind::Postgres, 4));
        assert_eq!("dedup".parse::<Role>(), Ok(Role::Dedup));
        assert!("both".parse::<Role>().is_err());
    }
}
