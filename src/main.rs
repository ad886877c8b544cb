//! The `newsmill` command line: `run` the daemon, `check` a config, `process` files one-off.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use newsmill::config::Config;
use newsmill::daemon::role::{Duty, Role, RoleError};

#[derive(Parser)]
#[command(name = "newsmill", version, about = "Turns raw scraped news pages into clean, deduplicated articles.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: watch the inputs and process documents until SIGINT/SIGTERM.
    Run {
        /// Config file.
        #[arg(long, short, default_value = "config/newsmill.toml")]
        config: PathBuf,
        /// Process what the inputs hold now, drain, and exit.
        #[arg(long)]
        once: bool,
        /// Which part of the work this process does: `all`; `extract` (any number of them: input
        /// to the internal stream); `dedup` (one owner, the others standing by: internal stream
        /// to the outputs). docs/scale-out.md.
        #[arg(long, default_value = "all")]
        role: Role,
    },
    /// Validate a config file and print every problem with file:line:column.
    Check {
        /// Config file.
        #[arg(long, short, default_value = "config/newsmill.toml")]
        config: PathBuf,
    },
    /// Show how the cleaner judged every line of a file: KEEP or DROP, the role, and the rule or
    /// model score that decided.
    Explain {
        /// Config file for the clean rules; defaults apply when it does not exist.
        #[arg(long, short, default_value = "config/newsmill.toml")]
        config: PathBuf,
        /// Input file.
        file: PathBuf,
    },
    /// Empty the dedup window in the state directory (input checkpoints and feed
    /// memory are kept): the way out when the window is damaged. Stop the daemon first.
    ResetDedup {
        /// Config file (for `[state] dir`).
        #[arg(long, short, default_value = "config/newsmill.toml")]
        config: PathBuf,
    },
    /// Create the tables the configured outputs need on their servers (PostgreSQL), or add the
    /// columns a newer version has; running it again changes nothing.
    Migrate {
        /// Config file.
        #[arg(long, short, default_value = "config/newsmill.toml")]
        config: PathBuf,
    },
    /// Show a running daemon's per-stage throughput and queue depths, refreshed live (polls its
    /// `/status`).
    Top {
        /// Config file, for `[metrics] listen`; defaults apply when it does not exist.
        #[arg(long, short, default_value = "config/newsmill.toml")]
        config: PathBuf,
        /// The daemon's metrics address (overrides the config's).
        #[arg(long)]
        addr: Option<String>,
        /// Refresh interval in milliseconds.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// Print one snapshot and exit.
        #[arg(long)]
        once: bool,
    },
    /// Clean and extract the given files and print one JSON line per document (no state).
    Process {
        /// Config file for the clean/extract rules; defaults apply when it does not exist.
        #[arg(long, short, default_value = "config/newsmill.toml")]
        config: PathBuf,
        /// Input files (`.txt`, `.html`, `.html.gz`, `.jsonl`; anything else is read as text).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { config, once, role } => run(&config, once, role),
        Command::Check { config } => check(&config),
        Command::Process { config, files } => process(&config, &files),
        Command::Explain { config, file } => explain(&config, &file),
        Command::ResetDedup { config } => reset_dedup(&config),
        Command::Migrate { config } => migrate(&config),
        Command::Top { config, addr, interval_ms, once } => top(&config, addr, interval_ms, once),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("newsmill: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// jemalloc serves the pipeline's pattern (documents allocated on reader threads and freed on
/// others) without the lock waits of glibc's arenas: on 120,000 page dumps (`scripts/bench.sh`)
/// 5,718-5,876 docs/s against 4,499-5,244, peak RSS 322 MB against 312-314 MB; on 3,640 benchmark
/// dumps 5% less CPU and a fifth fewer thread switches.
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn load(path: &Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|e| {
        for p in e.problems() {
            eprintln!("{p}");
        }
        ExitCode::FAILURE
    })
}

fn check(path: &Path) -> anyhow::Result<ExitCode> {
    Ok(match load(path) {
        Ok(_) => {
            println!("{}: ok", path.display());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    })
}

fn reset_dedup(path: &Path) -> anyhow::Result<ExitCode> {
    let cfg = match load(path) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let store = newsmill::state::StateStore::open(&cfg.state.dir, cfg.state.cache_bytes.get())?;
    let n = newsmill::stages::dedup::persist::reset(&store)?;
    println!("{}: dedup window emptied ({n} entries dropped)", cfg.state.dir.display());
    Ok(ExitCode::SUCCESS)
}

fn migrate(path: &Path) -> anyhow::Result<ExitCode> {
    let cfg = match load(path) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start runtime")?;
    let done = runtime.block_on(newsmill::daemon::migrate(&cfg)).map_err(|e| anyhow::anyhow!(e))?;
    if done.is_empty() {
        println!("{}: no output needs a server's tables (`[sink] kind`, `[dead_letter] kind`)", path.display());
    }
    for line in done {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit code of a dedup owner that found another process owns the lease now.
const FENCED: u8 = 3;

fn run(path: &Path, once: bool, role: Role) -> anyhow::Result<ExitCode> {
    let cfg = match load(path) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let log_level = newsmill::logging::init(&cfg.log);
    // An output on standard output keeps it for records alone.
    let summary_to_stderr = newsmill::daemon::writes_to_stdout(&cfg);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start runtime")?;
    let summary = runtime.block_on(async {
        let stop = CancellationToken::new();
        let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
        tokio::spawn(watch_signals(stop.clone(), reload_tx.clone()));
        let control = newsmill::daemon::Control {
            config_path: Some(path.to_path_buf()),
            reload_tx: Some(reload_tx),
            reload_rx: Some(reload_rx),
            log_level,
            role: Duty::All,
        };
        match role {
            Role::All => newsmill::daemon::run(cfg, once, stop, control).await.map_err(RoleError::from),
            Role::Extract => {
                newsmill::daemon::run(cfg, once, stop, newsmill::daemon::Control { role: Duty::Extract, ..control })
                    .await
                    .map_err(RoleError::from)
            }
            Role::Dedup => newsmill::daemon::role::run_dedup(cfg, once, stop, control).await,
        }
    });
    let summary = match summary {
        Ok(s) => s,
        Err(e @ RoleError::Fenced(_)) => {
            // Its tasks may still be running: leave without waiting for them (nothing of theirs
            // can be written any more, and the state holds the last commit).
            tracing::error!(error = %e, "Stopping.");
            eprintln!("newsmill: {e}");
            std::process::exit(i32::from(FENCED));
        }
        Err(e) => return Err(e.into()),
    };
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    if once {
        let summary = serde_json::to_string(&summary)?;
        if summary_to_stderr { eprintln!("{summary}") } else { println!("{summary}") }
    }
    Ok(if summary.forced || !summary.committed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// First SIGINT/SIGTERM: graceful stop. Second: exit at once (state stays at its last commit).
/// SIGHUP: reload the config.
async fn watch_signals(stop: CancellationToken, reload: tokio::sync::mpsc::Sender<()>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) =
            (signal(SignalKind::terminate()), signal(SignalKind::interrupt()), signal(SignalKind::hangup()))
        else {
            tracing::error!("Cannot install signal handlers.");
            return;
        };
        let mut n = 0;
        loop {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = hup.recv() => {
                    tracing::info!(signal = "SIGHUP", "Config reload requested.");
                    // One pending request is enough: the reload reads the file as it is then.
                    let _ = reload.try_send(());
                    continue;
                }
            };
            if n == 0 {
                tracing::info!(signal = name, "Shutdown requested; send it again to exit at once.");
                stop.cancel();
            } else {
                tracing::warn!(signal = name, "Second signal: exiting now.");
                std::process::exit(130);
            }
            n += 1;
        }
    }
    #[cfg(not(unix))]
    {
        drop(reload);
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
        let _ = tokio::signal::ctrl_c().await;
        std::process::exit(130);
    }
}

fn top(config: &Path, addr: Option<String>, interval_ms: u64, once: bool) -> anyhow::Result<ExitCode> {
    let addr = match addr {
        Some(a) => a,
        None => match load_or_default(config) {
            Ok(c) => c.metrics.listen,
            Err(code) => return Ok(code),
        },
    };
    newsmill::top::run(&addr, std::time::Duration::from_millis(interval_ms.max(100)), once)?;
    Ok(ExitCode::SUCCESS)
}

/// The config at `path`, or the defaults when there is no such file.
fn load_or_default(path: &Path) -> Result<Config, ExitCode> {
    if path.exists() { load(path) } else { Ok(Config::default()) }
}

fn explain(path: &Path, file: &Path) -> anyhow::Result<ExitCode> {
    let cfg = match load_or_default(path) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    newsmill::offline::explain(&cfg, file, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn process(path: &Path, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let cfg = match load_or_default(path) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let rejected = newsmill::offline::process(&cfg, files, &mut out, &mut |file, reason| {
        eprintln!("{}: {reason}", file.display());
    })?;
    out.flush()?;
    Ok(if rejected > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
