//! The daemon in this process: built from a scratch config, run on a runtime of its own, fed
//! through its inbox, stopped and started again, its outputs read back. For tests of the wiring
//! that need no separate process (the binary's own tests use [`super::Scratch::spawn`]).

use std::time::Duration;

use newsmill::config::Config;
use newsmill::daemon::{Control, DaemonError, Summary};
use tokio_util::sync::CancellationToken;

use super::Scratch;

/// A daemon run in-process over a [`Scratch`] directory.
pub struct Harness {
    pub scratch: Scratch,
    runtime: tokio::runtime::Runtime,
    running: Option<(CancellationToken, tokio::task::JoinHandle<Result<Summary, DaemonError>>)>,
}

impl Harness {
    /// A daemon over a fresh scratch directory whose config is the scratch's with `extra`.
    pub fn new(extra: &str) -> Self {
        let scratch = Scratch::new(&format!("[metrics]\nenabled = false\n{extra}"));
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        Self { scratch, runtime, running: None }
    }

    /// The config as the daemon loads it.
    pub fn config(&self) -> Config {
        Config::load(&self.scratch.config).unwrap_or_else(|e| panic!("{:?}", e.problems()))
    }

    /// Starts the daemon (watching the inbox until [`Harness::stop`]).
    pub fn start(&mut self) {
        assert!(self.running.is_none(), "already running");
        let stop = CancellationToken::new();
        let task = self.runtime.spawn(newsmill::daemon::run(self.config(), false, stop.clone(), Control::default()));
        self.running = Some((stop, task));
    }

    /// Stops the running daemon as SIGTERM does and waits for it; its summary.
    pub fn stop(&mut self) -> Summary {
        let (stop, task) = self.running.take().expect("not running");
        stop.cancel();
        self.runtime.block_on(task).expect("daemon task").unwrap_or_else(|e| panic!("daemon failed: {e}"))
    }

    /// Runs the daemon over what the inbox holds now, to the end (`run --once`).
    pub fn run_once(&mut self) -> Result<Summary, DaemonError> {
        assert!(self.running.is_none(), "already running");
        self.runtime.block_on(newsmill::daemon::run(self.config(), true, CancellationToken::new(), Control::default()))
    }

    /// Puts a file into the inbox atomically.
    pub fn feed(&self, name: &str, bytes: impl AsRef<[u8]>) {
        self.scratch.drop_file(name, bytes);
    }

    /// Waits until at least `n` articles are written (and committed: the file holds only what a
    /// flush wrote), or fails.
    pub fn wait_for_articles(&self, n: usize) {
        let got = super::wait_for(Duration::from_secs(60), || (self.scratch.articles().len() >= n).then_some(()));
        assert!(got.is_some(), "{} of {n} articles written", self.scratch.articles().len());
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            stop.cancel();
            let _ = self.runtime.block_on(task);
        }
    }
}
