//! newsmill: a long-lived daemon that turns raw scraped news pages into clean, deduplicated
//! articles. Documents flow `source -> clean -> extract -> dedup -> sink` over bounded channels;
//! see [`daemon`] for the wiring and [`runner`] for how every stage is run.

pub mod channel;
pub mod config;
pub mod cpu_time;
pub mod daemon;
pub mod date;
pub mod html;
pub mod http;
pub mod lang;
pub mod live;
pub mod logging;
pub mod nats;
mod num;
pub mod offline;
pub mod page_type;
pub(crate) mod per_thread;
pub mod record;
pub mod retry;
pub mod runner;
pub mod sched;
pub mod sink;
pub mod stages;
pub mod state;
pub mod status;
pub mod text;
mod thread_name;
pub mod top;
