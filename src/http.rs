//! The operator's HTTP endpoints (`[metrics] listen`, loopback by default): `/metrics` in the
//! Prometheus text format (rendered by `metrics-exporter-prometheus`), `/health` (the process
//! answers), `/ready` (state loaded and outputs writable: 503 while commits fail) and `/status`
//! (the same figures as JSON, plus the running config's hash; what `newsmill top` polls).

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::status::{PROCESSING_BUCKETS, PROCESSING_SECONDS, Probe, export};

/// The process-wide Prometheus recorder (installed on first use), or `None` if another recorder
/// was installed first.
pub(crate) fn prometheus() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(PROCESSING_SECONDS.into()), PROCESSING_BUCKETS)
                .map_err(|e| warn!(error = %e, "Bad histogram buckets."))
                .ok()?;
            builder.install_recorder().map_err(|e| warn!(error = %e, "Cannot install the metrics recorder.")).ok()
        })
        .clone()
}

#[derive(Clone)]
struct Endpoints {
    probe: Arc<Probe>,
    prometheus: Option<PrometheusHandle>,
}

/// Serves the endpoints on `listener` until `stop` is cancelled.
pub async fn serve(listener: tokio::net::TcpListener, probe: Arc<Probe>, stop: CancellationToken) {
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let state = Endpoints { probe, prometheus: prometheus() };
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .route("/status", get(status))
        .with_state(state);
    info!(addr = %addr, "Serving /metrics, /health, /ready and /status.");
    if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(stop.cancelled_owned()).await {
        warn!(%error, "Metrics server failed.");
    }
}

async fn metrics(State(s): State<Endpoints>) -> impl IntoResponse {
    let Some(handle) = s.prometheus else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain")],
            "no metrics recorder\n".into(),
        );
    };
    export(&s.probe.status());
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render())
}

async fn ready(State(s): State<Endpoints>) -> impl IntoResponse {
    if s.probe.status().ready {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready: the outputs or the state cannot be written\n")
    }
}

async fn status(State(s): State<Endpoints>) -> impl IntoResponse {
    axum::Json(s.probe.status())
}
